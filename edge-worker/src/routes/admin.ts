import { createRoute, z } from '@hono/zod-openapi'
import { type ArtifactFile, featureSchemaHash, manifestFiles, manifestSchema } from '@tarmac/sdk/manifest'
import { sha256Hex, toHex } from '../auth/hash.ts'
import { requireAdmin } from '../auth/middleware.ts'
import { ApiError } from '../errors.ts'
import { aliasKey, aliasPrefix, blobKey, manifestKey } from '../models/keys.ts'
import { createRouter, errors, modelName, pick } from './router.ts'

const sha256 = z
  .string()
  .regex(/^[0-9a-f]{64}$/, 'must be a lower-case hex sha256')
  .openapi({ param: { name: 'sha256', in: 'path' } })
const aliasName = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,31}$/, 'must be lower-case letters, digits and dashes')
  .openapi({ param: { name: 'alias', in: 'path' }, example: 'champion' })
const security = [{ adminKey: [] }]

const putBlob = createRoute({
  method: 'put',
  path: '/admin/blobs/{sha256}',
  summary: 'Upload a content-addressed blob (the body is the raw bytes)',
  security,
  middleware: [requireAdmin] as const,
  request: {
    params: z.object({ sha256 }),
    body: { content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } }, required: true },
  },
  responses: {
    201: {
      description: 'Stored at blobs/<sha256>',
      content: { 'application/json': { schema: z.object({ key: z.string(), sha256: z.string(), size: z.number().int() }) } },
    },
    ...pick(errors, [400, 401]),
  },
})

const putAlias = createRoute({
  method: 'put',
  path: '/admin/models/{name}/aliases/{alias}',
  summary: 'Publish a manifest and point an alias at its version',
  description:
    'Validates the manifest, checks every blob it names is stored with the right size and sha256, stores the manifest, ' +
    'and moves the alias last: any failure leaves the alias where it was.',
  security,
  middleware: [requireAdmin] as const,
  request: {
    params: z.object({ name: modelName, alias: aliasName }),
    body: { content: { 'application/json': { schema: manifestSchema } }, required: true },
  },
  responses: {
    200: {
      description: 'Alias moved',
      content: {
        'application/json': {
          schema: z.object({ name: z.string(), alias: z.string(), version: z.number().int(), previous: z.number().int().nullable() }),
        },
      },
    },
    ...pick(errors, [400, 401, 409]),
  },
})

const deleteAlias = createRoute({
  method: 'delete',
  path: '/admin/models/{name}/aliases/{alias}',
  summary: 'Withdraw an alias (e.g. a challenger that lost its canary)',
  description:
    'Removes the alias; its manifest and blobs stay, so the version can be published again. Workers stop routing to it ' +
    'within MODEL_CACHE_TTL_SECONDS. The champion cannot be withdrawn: point it at another version instead.',
  security,
  middleware: [requireAdmin] as const,
  request: { params: z.object({ name: modelName, alias: aliasName }) },
  responses: {
    200: {
      description: 'Alias removed',
      content: { 'application/json': { schema: z.object({ name: z.string(), alias: z.string(), previous: z.number().int() }) } },
    },
    ...pick(errors, [400, 401, 404, 409]),
  },
})

const listAliases = createRoute({
  method: 'get',
  path: '/admin/models/{name}/aliases',
  summary: 'Aliases of a model and the versions they point at',
  security,
  middleware: [requireAdmin] as const,
  request: { params: z.object({ name: modelName }) },
  responses: {
    200: {
      description: 'alias → version',
      content: { 'application/json': { schema: z.object({ name: z.string(), aliases: z.record(z.string(), z.number().int()) }) } },
    },
    ...pick(errors, [400, 401]),
  },
})

interface AliasMetadata {
  version: number
  updatedAt: string
}

/** R2 keeps the sha256 it verified on upload; older objects without one are re-hashed. */
async function verifyStored(env: Env, file: ArtifactFile, field: string): Promise<void> {
  if (file.key !== blobKey(file.sha256)) throw new ApiError(400, 'invalid_request', `must be ${blobKey(file.sha256)}`, `${field}.key`)
  const head = await env.MODELS.head(file.key)
  if (!head) throw new ApiError(409, 'blob_missing', `${file.key} has not been uploaded`, field)
  if (head.size !== file.size)
    throw new ApiError(409, 'blob_mismatch', `${file.key} has ${head.size} bytes, manifest says ${file.size}`, `${field}.size`)
  const stored = head.checksums.sha256
  const actual = stored ? toHex(new Uint8Array(stored)) : await rehash(env, file.key)
  if (actual !== file.sha256) throw new ApiError(409, 'blob_mismatch', `${file.key} hashes to ${actual}`, `${field}.sha256`)
}

async function rehash(env: Env, key: string): Promise<string> {
  const object = await env.MODELS.get(key)
  if (!object) throw new ApiError(409, 'blob_missing', `${key} has not been uploaded`)
  return sha256Hex(await object.arrayBuffer())
}

export const adminRoutes = createRouter()
  .openapi(putBlob, async (c) => {
    const { sha256: expected } = c.req.valid('param')
    const bytes = await c.req.arrayBuffer()
    if (bytes.byteLength === 0) throw new ApiError(400, 'invalid_request', 'empty body', 'body')
    const actual = await sha256Hex(bytes)
    if (actual !== expected) throw new ApiError(400, 'sha256_mismatch', `body hashes to ${actual}`, 'sha256')
    const key = blobKey(actual)
    // R2 re-verifies the digest on write and keeps it for the publish check
    await c.env.MODELS.put(key, bytes, { sha256: actual })
    return c.json({ key, sha256: actual, size: bytes.byteLength }, 201)
  })
  .openapi(putAlias, async (c) => {
    const { name, alias } = c.req.valid('param')
    const manifest = c.req.valid('json')
    if (manifest.name !== name) throw new ApiError(400, 'invalid_request', `manifest is for '${manifest.name}', not '${name}'`, 'name')
    // this worker encodes with its own copy of the SDK: a model built for another feature layout would score garbage
    if (manifest.featureSchemaHash !== (await featureSchemaHash())) {
      throw new ApiError(
        400,
        'feature_schema_mismatch',
        'the model expects a feature layout this worker does not encode',
        'featureSchemaHash',
      )
    }
    // every blob at once (a manifest names one shard per origin); the first failure in manifest order answers
    const checks = await Promise.allSettled(manifestFiles(manifest).map(([field, file]) => verifyStored(c.env, file, field)))
    const failed = checks.find((r) => r.status === 'rejected')
    if (failed) throw failed.reason
    const text = JSON.stringify(manifest)
    const existing = await c.env.ALIASES.get(manifestKey(name, manifest.version))
    if (existing !== null && existing !== text) {
      throw new ApiError(409, 'version_exists', `version ${manifest.version} of '${name}' is published with another manifest`, 'version')
    }
    if (existing === null) await c.env.ALIASES.put(manifestKey(name, manifest.version), text)
    const previous = await c.env.ALIASES.get(aliasKey(name, alias))
    const metadata: AliasMetadata = { version: manifest.version, updatedAt: new Date().toISOString() }
    // last: everything the alias will point at is in place
    await c.env.ALIASES.put(aliasKey(name, alias), String(manifest.version), { metadata })
    return c.json({ name, alias, version: manifest.version, previous: previous === null ? null : Number(previous) }, 200)
  })
  .openapi(deleteAlias, async (c) => {
    const { name, alias } = c.req.valid('param')
    if (alias === 'champion')
      throw new ApiError(409, 'champion_required', 'the champion alias cannot be withdrawn; publish another version to it', 'alias')
    const previous = await c.env.ALIASES.get(aliasKey(name, alias))
    if (previous === null) throw new ApiError(404, 'alias_not_found', `'${name}' has no alias '${alias}'`, 'alias')
    await c.env.ALIASES.delete(aliasKey(name, alias))
    return c.json({ name, alias, previous: Number(previous) }, 200)
  })
  .openapi(listAliases, async (c) => {
    const { name } = c.req.valid('param')
    const prefix = aliasPrefix(name)
    const aliases: Record<string, number> = {}
    let cursor: string | undefined
    do {
      const page = await c.env.ALIASES.list<AliasMetadata>({ prefix, cursor })
      for (const k of page.keys) if (k.metadata) aliases[k.name.slice(prefix.length)] = k.metadata.version
      cursor = page.list_complete ? undefined : page.cursor
    } while (cursor)
    return c.json({ name, aliases }, 200)
  })
