import type { EncodedBatch } from '../features/encoder.ts'
import { createMlpEvaluator, createTsEvaluator, UnsupportedOpError } from '../onnx/index.ts'
import type { InferenceEngine } from './types.ts'

/**
 * The pure-TypeScript engine: no wasm, no async init. The fused MLP evaluator for the graphs our exporter
 * writes, the general evaluator for any other graph of its ops; throws UnsupportedOpError beyond those.
 */
export function createTsEngine(model: Uint8Array): InferenceEngine {
  const evaluator = fastest(model)
  return {
    name: 'ts',
    run: async (batch: EncodedBatch) => evaluator.run(inputsOf(batch), batch.rows),
  }
}

function fastest(model: Uint8Array): { run(inputs: Record<string, Float32Array | Int32Array>, rows: number): Float32Array } {
  try {
    return createMlpEvaluator(model)
  } catch (error) {
    if (!(error instanceof UnsupportedOpError)) throw error
    return createTsEvaluator(model)
  }
}

function inputsOf(batch: EncodedBatch): Record<string, Float32Array | Int32Array> {
  return { numeric: batch.numeric, origin: batch.origin, destination: batch.destination }
}
