// Test fixtures shared by the onnx tests: a seeded PRNG and random networks/batches shaped like Tarmac's.
import { seededRandom as mulberry32 } from '../random.ts'
import type { DenseLayer, NetworkSpec, OnnxNode, OnnxTensor, OnnxValueInfo } from './model.ts'
import { encodeOnnxModel } from './writer.ts'

export { seededRandom as mulberry32 } from '../random.ts'

function uniform(rand: () => number, n: number, limit: number): Float32Array {
  return Float32Array.from({ length: n }, () => (rand() * 2 - 1) * limit)
}

export interface NetworkShape {
  numericWidth: number
  embeddings: { input: string; vocab: number; dim: number }[]
  hidden: number[]
}

/** The typical Tarmac MLP: 24 numeric features, origin/destination embeddings, 40 → 64 → 32 → 1. */
export const TYPICAL: NetworkShape = {
  numericWidth: 24,
  embeddings: [
    { input: 'origin', vocab: 300, dim: 8 },
    { input: 'destination', vocab: 300, dim: 8 },
  ],
  hidden: [64, 32],
}

/** Glorot-uniform-like weights so activations stay in a realistic range. */
export function randomNetwork(seed: number, shape: NetworkShape = TYPICAL): NetworkSpec {
  const rand = mulberry32(seed)
  const embeddings = shape.embeddings.map((e) => ({ ...e, table: uniform(rand, e.vocab * e.dim, 0.5) }))
  let inputs = shape.numericWidth + shape.embeddings.reduce((s, e) => s + e.dim, 0)
  const layers: DenseLayer[] = [...shape.hidden, 1].map((units, i, all) => {
    const layer: DenseLayer = {
      inputs,
      units,
      weights: uniform(rand, inputs * units, Math.sqrt(6 / (inputs + units))),
      bias: uniform(rand, units, 0.1),
      activation: i === all.length - 1 ? 'sigmoid' : 'relu',
    }
    inputs = units
    return layer
  })
  return { numericWidth: shape.numericWidth, embeddings, layers }
}

export function randomInputs(seed: number, net: NetworkSpec, rows: number): Record<string, Float32Array | Int32Array> {
  const rand = mulberry32(seed)
  const inputs: Record<string, Float32Array | Int32Array> = { numeric: uniform(rand, rows * net.numericWidth, 2) }
  for (const e of net.embeddings) inputs[e.input] = Int32Array.from({ length: rows }, () => Math.floor(rand() * e.vocab))
  return inputs
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`)
  let max = 0
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]))
  return max
}

/** A one-output graph whose output is the last node's, float32 [N, width]. */
export function graphModel(nodes: OnnxNode[], initializers: OnnxTensor[], inputs: OnnxValueInfo[], width: number): Uint8Array {
  const output = nodes[nodes.length - 1].outputs[0]
  return encodeOnnxModel({
    irVersion: 8,
    producerName: 'test',
    producerVersion: '',
    opsetImport: [{ domain: '', version: 17 }],
    metadata: {},
    graph: { name: 't', nodes, initializers, inputs, outputs: [{ name: output, dtype: 'float32', shape: ['N', width], docString: '' }] },
  })
}
