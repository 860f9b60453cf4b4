import { mlpPlan } from '@tarmac/sdk/onnx'

/**
 * The bench's baseline: the TS engine's previous kernel (until this change), kept only to be measured against in
 * the same run. One row at a time over the same plan: input-major float64 weights, a pass per input skipping zeros,
 * activations kept in float64 and rounded with Math.fround.
 */
export function createRowAtATimeMlp(bytes: Uint8Array) {
  const { numericWidth, embeddings, layers } = mlpPlan(bytes)
  const widest = layers.reduce((m, l) => Math.max(m, l.units), numericWidth)
  let a = new Float64Array(widest)
  let b = new Float64Array(widest)
  return (feeds: Record<string, Float32Array | Int32Array>, rows: number): Float32Array => {
    const input = feeds.numeric
    const indices = embeddings.map((e) => feeds[e.input])
    const out = new Float32Array(rows)
    const l0 = layers[0]
    for (let r = 0; r < rows; r++) {
      a.set(l0.bias)
      for (let e = 0; e < embeddings.length; e++) {
        const p = embeddings[e].projected
        const o = indices[e][r] * l0.units
        for (let j = 0; j < l0.units; j++) a[j] += p[o + j]
      }
      accumulate(input, r * numericWidth, numericWidth, l0.weights, l0.units, a)
      activate(a, l0.units, l0.activation)
      for (let l = 1; l < layers.length; l++) {
        const layer = layers[l]
        b.set(layer.bias)
        accumulate(a, 0, layer.inputs, layer.weights, layer.units, b)
        activate(b, layer.units, layer.activation)
        const t = a
        a = b
        b = t
      }
      out[r] = a[0]
    }
    return out
  }
}

function accumulate(
  x: Float32Array | Int32Array | Float64Array,
  from: number,
  k: number,
  w: Float64Array,
  units: number,
  out: Float64Array,
) {
  for (let i = 0; i < k; i++) {
    const xi = x[from + i]
    if (xi === 0) continue
    const o = i * units
    for (let j = 0; j < units; j++) out[j] += xi * w[o + j]
  }
}

function activate(x: Float64Array, n: number, activation: string) {
  if (activation === 'relu') for (let j = 0; j < n; j++) x[j] = x[j] > 0 ? Math.fround(x[j]) : 0
  else if (activation === 'sigmoid') for (let j = 0; j < n; j++) x[j] = Math.fround(1 / (1 + Math.exp(-Math.fround(x[j]))))
  else for (let j = 0; j < n; j++) x[j] = Math.fround(x[j])
}
