import { EngineRegistry, NoEngineError } from '../engine/registry.ts'
import type { EngineFailure, EngineName } from '../engine/types.ts'
import { encodeFlights, fromInstance, type ServingEncoder } from '../features/encoder.ts'
import type { FlightInstance } from '../features/schema.ts'
import { servingEncoder } from '../features/serving.ts'
import { type ModelManifest, shardArtifact } from '../manifest/index.ts'
import { defaultOrtLoaders, onDeviceCandidates } from './backends.ts'
import { createEdgeClient, type EdgeClient } from './edge.ts'
import { openEventQueue } from './event-queue.ts'
import { type CachedModel, createModelStore, type ModelStore } from './model-store.ts'
import { createTelemetry, type Telemetry, type TelemetryEvent } from './telemetry.ts'
import type { Backend, ModelInfo, OrtLoaders, PredictorOptions, PredictResult, TelemetryOptions, Timings } from './types.ts'
import { validateInstances } from './validate.ts'
import { createWorkerClient } from './worker.ts'

export interface Predictor {
  /** the model answering predict() */
  readonly model: ModelInfo
  /** the manifest of the on-device model; null when only the edge answers */
  readonly manifest: ModelManifest | null
  /** the on-device model's encoder (its cell tables opened); null when only the edge answers */
  readonly encoder: ServingEncoder | null
  /** the engine that served the latest prediction (or will serve the next one) */
  readonly backend: EngineName
  readonly timings: Readonly<Timings>
  /** why engines earlier in the priority order are not the one serving */
  readonly failures: readonly EngineFailure[]
  /** why no model could be loaded on the device (the edge answers instead), else null */
  readonly modelError: string | null
  /** validates like the Worker (InvalidInputError with field-level issues), then predicts on the best backend */
  predict(instances: unknown): Promise<PredictResult>
  /** the alias's version on the network when it differs from the one loaded, else null */
  checkForUpdate(): Promise<ModelInfo | null>
  /** loads the alias's current version (downloaded, verified, cached), then swaps it in */
  update(): Promise<ModelInfo>
  /**
   * Downloads (or finds in Cache Storage) the encoder shard of every origin the on-device model knows, so the device
   * predicts offline for any origin, not only those it has predicted for; resolves to how many origins that is (0
   * when only the edge answers, or when update() swapped the model meanwhile: call it again for the new one). A shard
   * that fails to download rejects, and the next call fetches only what is missing.
   */
  cacheEveryOrigin(): Promise<number>
  flushTelemetry(): Promise<void>
  close(): void
}

const DEFAULT_BACKENDS: Backend[] = ['ts', 'webgpu', 'wasm', 'edge']
/** shard downloads in flight at once when caching every origin */
const SHARDS_AT_ONCE = 4
const DEFAULT_TELEMETRY: TelemetryOptions = { sampleRate: 1, batchSize: 20, flushMs: 5000 }

interface OnDevice {
  manifest: ModelManifest
  encoder: ServingEncoder
  registry: EngineRegistry
  backend: EngineName
}

interface Context {
  store: ModelStore
  backends: readonly Backend[]
  loaders: OrtLoaders
  alias: string
  timings: Timings
}

/** A User Timing mark per load phase (`tarmac:<phase>`): the browser bench's breakdown, DevTools' timeline. */
const mark = (phase: string) => performance.mark(`tarmac:${phase}`)

function infoOf(manifest: ModelManifest, alias: string): ModelInfo {
  return { name: manifest.name, version: manifest.version, alias, threshold: manifest.threshold }
}

/** Builds the engines for a model and runs one dummy row through the serving one. */
async function prepare(ctx: Context, { manifest, bytes, tables }: CachedModel): Promise<OnDevice> {
  // an origin's shard downloads (or comes from Cache Storage) when a flight from it is first predicted
  const shards = manifest.files.shards
  const encoder = await servingEncoder(manifest.encoder, tables, {
    origins: Object.keys(shards),
    read: (origin) => ctx.store.blob(shardArtifact(shards[origin])),
  })
  mark('encoder')
  const registry = new EngineRegistry(await onDeviceCandidates(bytes, ctx.backends, ctx.loaders))
  await registry.engine()
  mark('engine')
  const warmStart = performance.now()
  const dummy = encodeFlights([{ origin: '', destination: '', departureMs: 0, distance: 1 }], encoder)
  const { engine: backend } = await registry.run(dummy)
  ctx.timings.warmupMs = performance.now() - warmStart
  mark('warm')
  return { manifest, encoder, registry, backend }
}

/** The alias's current version: manifest, then its two blobs in parallel. */
async function download(store: ModelStore, manifest: Promise<ModelManifest> = store.latest()): Promise<CachedModel> {
  const m = await manifest
  mark('manifest')
  const [bytes, tables] = await Promise.all([store.download(m.files.int8), store.download(m.files.encoder)])
  mark('blobs')
  return { manifest: m, bytes, tables }
}

/**
 * The cached model when there is one (no download on a repeat visit), else the alias's current version. The
 * manifest request starts beside the cache lookup; on a repeat visit its answer is the first update check.
 */
async function initial(store: ModelStore): Promise<{ model: CachedModel; fresh: boolean; latest: Promise<ModelManifest> }> {
  const latest = store.latest()
  // an offline repeat visit: the cached model serves, and the failed request is nobody's error
  latest.catch(() => {})
  if (store.nothingSaved) {
    // a first visit does not wait for the page's first Cache Storage call, slower than the download; a model cached
    // without the note (storage cleared apart) still serves when the download fails
    mark('cache')
    try {
      return { model: await download(store, latest), fresh: true, latest }
    } catch (error) {
      const cached = await store.cached()
      if (cached) return { model: cached, fresh: false, latest }
      throw error
    }
  }
  const cached = await store.cached()
  mark('cache')
  if (cached) return { model: cached, fresh: false, latest }
  return { model: await download(store, latest), fresh: true, latest }
}

export async function createPredictor(options: PredictorOptions): Promise<Predictor> {
  const started = performance.now()
  const alias = options.alias ?? 'champion'
  const backends = options.backends ?? DEFAULT_BACKENDS
  // a page waits at most a few seconds for a rate-limited Worker (a longer Retry-After fails at once)
  const client = { apiKey: options.apiKey, attempts: 2, maxRetryAfterMs: 5_000 }
  const worker = createWorkerClient({ ...client, endpoint: options.endpoint })
  const early = options.early
  const modelWorker =
    options.modelEndpoint || early
      ? createWorkerClient({ ...client, endpoint: options.modelEndpoint ?? options.endpoint, fetch: early?.fetch })
      : worker
  const store = createModelStore({ worker: modelWorker, model: options.model, alias, cached: early?.cached })
  if (early && early.manifestUrl !== store.manifestUrl)
    throw new Error(`the early load is for ${early.manifestUrl}, not this predictor's ${store.manifestUrl}`)
  const ctx: Context = {
    store,
    backends,
    loaders: { ...defaultOrtLoaders, ...options.ort },
    alias,
    timings: { loadMs: 0, warmupMs: 0, predictMs: 0 },
  }
  const edge: EdgeClient | null = backends.includes('edge') ? createEdgeClient(worker, options.model, alias) : null
  // opened while the model loads: IndexedDB's first open in a fresh profile takes as long as a download
  const queue = options.telemetry === false ? null : openEventQueue<TelemetryEvent>('tarmac-telemetry')
  const failures: EngineFailure[] = []
  let modelError: string | null = null

  let device: OnDevice | null = null
  /** the manifest requested while the model loaded: the first update check reads it instead of asking again */
  let firstCheck: Promise<ModelManifest> | null = null
  let edgeInfo: ModelInfo | null = null
  if (backends.some((b) => b !== 'edge')) {
    try {
      const { model, fresh, latest } = await initial(ctx.store)
      firstCheck = latest
      device = await prepare(ctx, model)
      // the first prediction does not wait for Cache Storage; a failed save only costs the next visit a download
      if (fresh) ctx.store.save(model).catch((error) => console.warn('model not cached', error))
    } catch (error) {
      if (error instanceof NoEngineError) failures.push(...error.failures)
      else modelError = error instanceof Error ? error.message : String(error)
      if (!edge) throw error
    }
  }
  if (!device) edgeInfo = await edge!.describe()
  const telemetry: Telemetry | null = queue && createTelemetry(worker, { ...DEFAULT_TELEMETRY, ...options.telemetry }, await queue)
  ctx.timings.loadMs = performance.now() - started - ctx.timings.warmupMs

  const current = (): ModelInfo => (device ? infoOf(device.manifest, alias) : edgeInfo!)

  async function onDevicePredict(d: OnDevice, instances: FlightInstance[], t0: number): Promise<PredictResult> {
    const flights = instances.map(fromInstance)
    await d.encoder.prepare(flights)
    const { probabilities, engine } = await d.registry.run(encodeFlights(flights, d.encoder))
    const latencyMs = performance.now() - t0
    d.backend = engine
    const model = infoOf(d.manifest, alias)
    const predictions = Array.from(probabilities, (probability) => ({
      id: crypto.randomUUID(),
      probability,
      delayed: probability >= model.threshold,
    }))
    if (telemetry && engine !== 'edge') {
      const at = Date.now()
      void telemetry.record(
        predictions.map((p, i) => ({
          id: p.id,
          model: { name: model.name, version: model.version },
          backend: engine,
          probability: p.probability,
          latencyMs,
          at,
          instance: instances[i],
        })),
      )
    }
    return { model, backend: engine, predictions, latencyMs }
  }

  return {
    get model() {
      return current()
    },
    get manifest() {
      return device?.manifest ?? null
    },
    get encoder() {
      return device?.encoder ?? null
    },
    get backend() {
      return device?.backend ?? 'edge'
    },
    timings: ctx.timings,
    failures,
    get modelError() {
      return modelError
    },

    async predict(input) {
      const instances = validateInstances(input)
      const t0 = performance.now()
      if (device) {
        try {
          const result = await onDevicePredict(device, instances, t0)
          ctx.timings.predictMs = result.latencyMs
          return result
        } catch (error) {
          if (!edge || !(error instanceof NoEngineError)) throw error
          failures.push(...error.failures)
          edgeInfo = current()
          device = null
        }
      }
      const res = await edge!.predict(instances)
      const latencyMs = performance.now() - t0
      ctx.timings.predictMs = latencyMs
      edgeInfo = { ...current(), version: res.model.version }
      return { model: current(), backend: 'edge', predictions: res.predictions, latencyMs }
    },

    async checkForUpdate() {
      const pending = firstCheck ?? ctx.store.latest()
      firstCheck = null
      const latest = device ? infoOf(await pending, alias) : await edge!.describe()
      return latest.version !== current().version ? latest : null
    },

    async update() {
      if (!device) {
        edgeInfo = await edge!.describe()
        return edgeInfo
      }
      const model = await download(ctx.store)
      device = await prepare(ctx, model)
      await ctx.store.save(model)
      return current()
    },

    async cacheEveryOrigin() {
      const d = device
      if (!d) return 0
      const origins = Object.keys(d.manifest.files.shards)
      // a few at a time: a prediction for an origin not cached yet must not queue behind hundreds of downloads
      for (let i = 0; i < origins.length && device === d; i += SHARDS_AT_ONCE)
        await d.encoder.prepare(origins.slice(i, i + SHARDS_AT_ONCE).map((origin) => ({ origin })))
      if (device === d) return origins.length
      // updated meanwhile: what the last downloads put in Cache Storage belongs to the replaced version
      if (device) await ctx.store.prune(device.manifest)
      return 0
    },

    flushTelemetry: () => telemetry?.flush() ?? Promise.resolve(),
    close: () => telemetry?.close(),
  }
}
