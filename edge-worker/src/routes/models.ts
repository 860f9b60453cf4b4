import { createRoute, z } from '@hono/zod-openapi'
import { modelStatusSchema } from '@tarmac/sdk/contracts/predict'
import type { ModelManifest } from '@tarmac/sdk/manifest'
import { ApiError } from '../errors.ts'
import { blobKey, CHALLENGER, CHAMPION } from '../models/keys.ts'
import { aliasManifest, loadModel } from '../models/loader.ts'
import { createRouter, errors, modelName, pick } from './router.ts'

const modelSummary = modelStatusSchema.openapi('ModelStatus')

const route = createRoute({
  method: 'get',
  path: '/v1/models/{name}',
  summary: 'The served model (KServe v1 model status `{name, ready}`): manifest summary without the encoder tables',
  request: { params: z.object({ name: modelName }) },
  responses: {
    200: {
      description: 'Champion summary and the versions of the serving aliases',
      content: { 'application/json': { schema: modelSummary } },
    },
    ...pick(errors, [400, 401, 404, 429, 503]),
  },
})

function summary(m: ModelManifest) {
  return {
    name: m.name,
    version: m.version,
    createdAt: m.createdAt,
    runId: m.runId,
    dataVersion: m.dataVersion,
    family: m.family,
    featureSchemaHash: m.featureSchemaHash,
    threshold: m.threshold,
    metrics: m.metrics,
    files: m.files,
    encoder: {
      airports: m.encoder.airports.length,
      cells: m.encoder.cells,
      globalRate: m.encoder.globalRate,
    },
  }
}

const manifestRoute = createRoute({
  method: 'get',
  path: '/v1/models/{name}/manifest',
  summary: 'The full manifest an alias serves (its encoder tables are the blob files.encoder): what on-device predictors load',
  request: {
    params: z.object({ name: modelName }),
    query: z.object({
      alias: z
        .string()
        .regex(/^[a-z][a-z0-9-]{0,31}$/, 'must be an alias name')
        .default(CHAMPION),
    }),
  },
  responses: {
    200: {
      description: 'The manifest (see the sdk manifest schema)',
      content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } },
    },
    ...pick(errors, [400, 401, 404, 429]),
  },
})

const blobRoute = createRoute({
  method: 'get',
  path: '/v1/blobs/{sha256}',
  summary: 'A published model file by its sha256 (immutable)',
  request: { params: z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be a lower-case hex sha256') }) },
  responses: {
    200: { description: 'The bytes', content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } } },
    ...pick(errors, [400, 401, 404, 429]),
  },
})

export const modelRoutes = createRouter()
  .openapi(manifestRoute, async (c) => {
    const { name } = c.req.valid('param')
    const { alias } = c.req.valid('query')
    const manifest = await aliasManifest(c.env, name, alias)
    if (!manifest) throw new ApiError(404, 'model_not_found', `no model '${name}' is published as '${alias}'`, 'name')
    c.header('Cache-Control', 'no-cache')
    return c.json(manifest as unknown as Record<string, unknown>, 200)
  })
  .openapi(blobRoute, async (c) => {
    const { sha256 } = c.req.valid('param')
    // R2 holds only blobs the admin publish path uploaded and verified
    const object = await c.env.MODELS.get(blobKey(sha256))
    if (!object) throw new ApiError(404, 'not_found', `no blob ${sha256}`, 'sha256')
    return new Response(object.body, {
      headers: { 'Content-Type': 'application/octet-stream', 'Cache-Control': 'public, max-age=31536000, immutable', ETag: `"${sha256}"` },
    }) as never
  })
  .openapi(route, async (c) => {
    const { name } = c.req.valid('param')
    const champion = await loadModel(c.env, name, CHAMPION)
    if (!champion) throw new ApiError(404, 'model_not_found', `no model '${name}' is published`, 'name')
    const challenger = await loadModel(c.env, name, CHALLENGER).catch(() => null)
    const aliases: Record<string, number> = { [CHAMPION]: champion.manifest.version }
    if (challenger) aliases[CHALLENGER] = challenger.manifest.version
    const engine = (await champion.engines.engine()).name
    return c.json({ ...summary(champion.manifest), ready: true, aliases, engine }, 200)
  })
