import type { EncodedBatch } from '@tarmac/sdk/features'
import {
  createTsEngine,
  type EngineCandidate,
  EngineRegistry,
  type EngineResult,
  type InferenceEngine,
} from '../../../sdk/src/engine/index.ts'
import type { EnginePreference } from '../config.ts'

/**
 * Rows per call from which onnxruntime-web (wasm, one thread) is at least twice as fast as the TS engine:
 * `npm run bench -- --only runtimes`, the line `crossover (fp32): rows from which ort is ≥ 2× faster` (128 on this
 * machine with the blocked TS kernel, in two runs: 0.72 against 0.29 µs per row; at 64 rows 0.73 against 0.41, under
 * 2×; at one row 1.6 against 15 µs, and the TS engine needs no wasm compile on a cold isolate).
 */
export const ORT_CROSSOVER_ROWS = 128

/** The engines of one model: `engine()` is the one a single row runs on, `run` picks by the batch's size. */
export interface ServingEngines {
  engine(): Promise<InferenceEngine>
  run(batch: EncodedBatch): Promise<EngineResult>
}

/** A candidate whose engine is built at most once, however many registries try it. */
function once(candidate: EngineCandidate): EngineCandidate {
  let created: Promise<InferenceEngine> | undefined
  return { name: candidate.name, create: () => (created ??= candidate.create()) }
}

/**
 * By default the TS evaluator serves batches below the measured crossover (no wasm, instant init) and
 * ONNX Runtime the larger ones; each falls back to the other when it cannot run the graph. ENGINE=ort sends
 * every batch to ORT. ORT is imported lazily, so an isolate that only sees small batches never evaluates its
 * glue nor compiles its wasm.
 */
export function servingEngines(model: Uint8Array, preference: EnginePreference, crossoverRows = ORT_CROSSOVER_ROWS): ServingEngines {
  const ts = once({ name: 'ts', create: async () => createTsEngine(model) })
  const ort = once({ name: 'ort-wasm', create: async () => (await import('./ort-workerd.ts')).createWorkerdOrtEngine(model) })
  const small = new EngineRegistry(preference === 'ort' ? [ort, ts] : [ts, ort])
  const large = new EngineRegistry([ort, ts])
  return {
    engine: () => small.engine(),
    run: (batch) => (batch.rows >= crossoverRows ? large : small).run(batch),
  }
}
