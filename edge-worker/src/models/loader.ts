import { manifestEncoder, type ServingEncoder } from '@tarmac/sdk/features'
import type { ArtifactFile, ModelManifest } from '@tarmac/sdk/manifest'
import { sha256Hex } from '../auth/hash.ts'
import { configOf } from '../config.ts'
import { ApiError } from '../errors.ts'
import { type ServingEngines, servingEngines } from './engines.ts'
import { aliasKey, manifestKey } from './keys.ts'

/** The alias points at a version this isolate cannot serve (and has no earlier one to keep serving). */
export class ModelUnavailableError extends ApiError {
  constructor(
    readonly model: string,
    readonly alias: string,
    readonly version: number,
  ) {
    super(503, 'model_unavailable', `${model}@${alias} (version ${version}) could not be loaded`)
  }
}

export interface ServingModel {
  manifest: ModelManifest
  /** the manifest's encoder over its global cell tables; an origin's shard is read from R2 when first needed */
  encoder: ServingEncoder
  engines: ServingEngines
}

interface AliasEntry {
  /** null: the alias does not exist (cached too, so a missing challenger costs no I/O per request) */
  version: number | null
  checkedAt: number
  model: ServingModel | null
  /** the version could not be loaded and there was none to keep serving: answered at once until the TTL ends */
  failure?: ModelUnavailableError
}

// Per-isolate caches: a warm request within the TTL does no I/O at all.
const aliases = new Map<string, AliasEntry>()
const inflight = new Map<string, Promise<ServingModel | null>>()
/** manifests are immutable per (name, version) */
const manifests = new Map<string, ModelManifest>()
/** keyed by blob sha and engine preference; bounded because every published version adds one */
const engines = new Map<string, ServingEngines>()
/** keyed by the global tables blob's sha256 (shards opened stay with it), bounded like the engines */
const encoders = new Map<string, ServingEncoder>()
const MAX_ENGINES = 8

/**
 * The model an alias serves, or null when the alias does not exist. The alias is re-read after
 * MODEL_CACHE_TTL_SECONDS so a publish is picked up without a redeploy; if the new version cannot be
 * loaded the previous one keeps serving and the failure is logged. With no previous one, the alias answers
 * ModelUnavailableError (503) until the TTL has passed, then tries again.
 */
export function loadModel(env: Env, name: string, alias: string, now = Date.now()): Promise<ServingModel | null> {
  const key = aliasKey(name, alias)
  const cached = aliases.get(key)
  if (cached && now - cached.checkedAt < configOf(env).cacheTtlMs) {
    return cached.failure ? Promise.reject(cached.failure) : Promise.resolve(cached.model)
  }
  let pending = inflight.get(key)
  if (!pending) {
    pending = refresh(env, name, alias, cached, now).finally(() => inflight.delete(key))
    inflight.set(key, pending)
  }
  return pending
}

/**
 * The manifest an alias points at, for on-device predictors: two KV reads on a cold isolate (alias, manifest),
 * none when the alias is cached. Unlike loadModel it builds no engine and opens no tables: the device verifies and
 * runs the blobs itself, and a cold Worker answers at once instead of reading and parsing them first.
 */
export async function aliasManifest(env: Env, name: string, alias: string, now = Date.now()): Promise<ModelManifest | null> {
  const cached = aliases.get(aliasKey(name, alias))
  if (cached?.model && now - cached.checkedAt < configOf(env).cacheTtlMs) return cached.model.manifest
  const current = await env.ALIASES.get(aliasKey(name, alias))
  return current === null ? null : readManifest(env, name, Number(current))
}

async function refresh(env: Env, name: string, alias: string, cached: AliasEntry | undefined, now: number): Promise<ServingModel | null> {
  const key = aliasKey(name, alias)
  const current = await env.ALIASES.get(key)
  const version = current === null ? null : Number(current)
  if (version === null) {
    aliases.set(key, { version, checkedAt: now, model: null })
    return null
  }
  if (cached && cached.version === version && !cached.failure) {
    cached.checkedAt = now
    return cached.model
  }
  try {
    const model = await build(env, name, version)
    aliases.set(key, { version, checkedAt: now, model })
    return model
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    console.error(JSON.stringify({ event: 'model_load_failed', model: name, alias, version, kept: cached?.version ?? null, message }))
    if (cached?.model) {
      cached.checkedAt = now
      return cached.model
    }
    // a broken blob must not cost every request a read and a hash: retry once the TTL has passed
    const failure = new ModelUnavailableError(name, alias, version)
    aliases.set(key, { version, checkedAt: now, model: null, failure })
    throw failure
  }
}

async function build(env: Env, name: string, version: number): Promise<ServingModel> {
  const manifest = await readManifest(env, name, version)
  const file = manifest.files.fp32
  const preference = configOf(env).engine
  const engineKey = `${file.sha256}:${preference}`
  const [registry, encoder] = await Promise.all([
    engines.get(engineKey) ??
      (async () => {
        const built = servingEngines(await readVerifiedBlob(env, file), preference)
        // initialise before serving: a model no engine can run must not replace a working one
        await built.engine()
        remember(engines, engineKey, built)
        return built
      })(),
    encoders.get(manifest.files.encoder.sha256) ??
      (async () => {
        const opened = await manifestEncoder(manifest, (file) => readVerifiedBlob(env, file))
        remember(encoders, manifest.files.encoder.sha256, opened)
        return opened
      })(),
  ])
  return { manifest, encoder, engines: registry }
}

function remember<T>(cache: Map<string, T>, key: string, value: T): void {
  if (cache.size >= MAX_ENGINES) cache.delete(cache.keys().next().value as string)
  cache.set(key, value)
}

export async function readManifest(env: Env, name: string, version: number): Promise<ModelManifest> {
  const key = manifestKey(name, version)
  const hit = manifests.get(key)
  if (hit) return hit
  // validated by the admin publish path before it was written; KV is not writable otherwise
  const manifest = await env.ALIASES.get<ModelManifest>(key, 'json')
  if (!manifest) throw new Error(`manifest ${key} is missing`)
  manifests.set(key, manifest)
  return manifest
}

async function readVerifiedBlob(env: Env, file: ArtifactFile): Promise<Uint8Array> {
  const object = await env.MODELS.get(file.key)
  if (!object) throw new Error(`blob ${file.key} is missing`)
  const bytes = new Uint8Array(await object.arrayBuffer())
  if (bytes.length !== file.size) throw new Error(`blob ${file.key} has ${bytes.length} bytes, manifest says ${file.size}`)
  const sha = await sha256Hex(bytes)
  if (sha !== file.sha256) throw new Error(`blob ${file.key} hashes to ${sha}, manifest says ${file.sha256}`)
  return bytes
}
