import type { EncodedBatch } from '../features/encoder.ts'
import { createTsEvaluator } from '../onnx/index.ts'
import type { InferenceEngine } from './types.ts'

/** The pure-TypeScript evaluator: no wasm, no async init. Throws UnsupportedOpError for graphs it cannot run. */
export function createTsEngine(model: Uint8Array): InferenceEngine {
  const evaluator = createTsEvaluator(model)
  return {
    name: 'ts',
    run: async (batch: EncodedBatch) => evaluator.run(inputsOf(batch), batch.rows),
  }
}

function inputsOf(batch: EncodedBatch): Record<string, Float32Array | Int32Array> {
  return { numeric: batch.numeric, origin: batch.origin, destination: batch.destination }
}
