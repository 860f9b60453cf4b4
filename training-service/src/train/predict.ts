import { createTsEvaluator } from '@tarmac/sdk/onnx'
import type { EncodedSplit } from './trainer.ts'

/** Probabilities of an ONNX model on encoded rows, with the TS evaluator the edge serves with. */
export function predictEncoded(model: Uint8Array, split: EncodedSplit, batch = 8192): Float32Array {
  const evaluator = createTsEvaluator(model)
  const out = new Float32Array(split.rows)
  const w = split.width
  for (let from = 0; from < split.rows; from += batch) {
    const to = Math.min(split.rows, from + batch)
    const inputs = {
      numeric: split.numeric.subarray(from * w, to * w),
      origin: split.origin.subarray(from, to),
      destination: split.destination.subarray(from, to),
    }
    out.set(evaluator.run(inputs, to - from).subarray(0, to - from), from)
  }
  return out
}
