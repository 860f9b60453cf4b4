import type { EncodedBatch } from '../features/encoder.ts'

/** Where a prediction was computed; telemetry and responses carry it. */
export type EngineName = 'ts' | 'ort-wasm' | 'ort-webgpu' | 'edge'

/** One model loaded into one runtime. `run` returns one probability per row. */
export interface InferenceEngine {
  readonly name: EngineName
  run(batch: EncodedBatch): Promise<Float32Array>
}

/** A way to build an engine, tried lazily by the registry. */
export interface EngineCandidate {
  readonly name: EngineName
  create(): Promise<InferenceEngine>
}

export interface EngineFailure {
  name: EngineName
  stage: 'init' | 'run'
  message: string
}

export interface EngineResult {
  probabilities: Float32Array
  engine: EngineName
}
