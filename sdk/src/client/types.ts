import type { Env } from 'onnxruntime-web'
import type { Prediction } from '../contracts/predict.ts'
import type { OrtRuntime } from '../engine/ort.ts'
import type { EngineName } from '../engine/types.ts'
import type { EarlyLoad } from './early.ts'

/**
 * Where a predictor may compute: the pure-TS engine on the device's CPU (no download), onnxruntime-web on its
 * GPU or in wasm on its CPU (imported only when chosen), or at the edge Worker.
 */
export type Backend = 'ts' | 'webgpu' | 'wasm' | 'edge'

/** An onnxruntime-web build as the predictor needs it: the engine's runtime plus its env to configure. */
export type OrtModule = OrtRuntime & { env: Env }

/** How to load each onnxruntime-web build; the defaults are dynamic imports, so a bundle only fetches the one in use. */
export interface OrtLoaders {
  webgpu: () => Promise<OrtModule>
  wasm: () => Promise<OrtModule>
}

export interface TelemetryOptions {
  /** share of on-device predictions reported, 0…1 */
  sampleRate: number
  /** events per request (at most 100) */
  batchSize: number
  /** longest an event waits in the queue before a flush is attempted */
  flushMs: number
}

export interface PredictorOptions {
  /** the edge Worker, e.g. https://edge.example.com */
  endpoint: string
  model: string
  /** default 'champion' */
  alias?: string
  /** in priority order; default ['ts', 'webgpu', 'wasm', 'edge'] ('ts' moves behind ORT for models too large for it) */
  backends?: Backend[]
  /** sent as `Authorization: Bearer <apiKey>` */
  apiKey?: string
  /** default { sampleRate: 1, batchSize: 20, flushMs: 5000 }; false turns reporting off */
  telemetry?: Partial<TelemetryOptions> | false
  /** serves the full manifest and the model blobs; default `endpoint` */
  modelEndpoint?: string
  ort?: Partial<OrtLoaders>
  /** the model's requests a page started before its app code was evaluated (`startEarlyLoad` with the same model) */
  early?: EarlyLoad
}

export interface ModelInfo {
  name: string
  version: number
  alias: string
  threshold: number
}

export type { Prediction }

export interface PredictResult {
  model: ModelInfo
  /** the engine that actually computed these predictions */
  backend: EngineName
  predictions: Prediction[]
  latencyMs: number
}

export interface Timings {
  /** manifest + model bytes (network or cache) + session creation */
  loadMs: number
  /** first inference on a dummy row */
  warmupMs: number
  /** the latest predict() call */
  predictMs: number
}
