import { OnnxInputError } from './errors.ts'
import { type MlpLayer, mlpPlan } from './mlp-plan.ts'

/**
 * A specialised evaluator for the graph buildOnnxModel writes (see mlpPlan), fused into dense + activation passes
 * over buffers allocated once at load:
 *
 * - weights laid out output-major in float64 once, so each output is one dot product kept in a register;
 * - rows in blocks of four: every weight loaded serves four rows (register blocking), a block walks the layers
 *   through two Float32Array scratch buffers, so activations are rounded to float32 as ONNX runtimes store them;
 * - bias and the folded embeddings start each first-layer sum, the activation is applied as each output is stored.
 *
 * Every row is summed in the same order (bias, embeddings, inputs in order) whether it runs in a block of four or
 * alone, so a row's answer does not depend on its batch.
 */
export interface MlpEvaluator {
  inputNames: string[]
  /** one probability per row */
  run(inputs: Record<string, Float32Array | Int32Array>, rows: number): Float32Array
}

const BLOCK = 4
const RELU = 0
const SIGMOID = 1
const LINEAR = 2

interface Dense {
  inputs: number
  units: number
  /** [units, inputs]: output-major, each output's weights contiguous */
  weights: Float64Array
  bias: Float64Array
  activation: number
}

function dense(layer: MlpLayer): Dense {
  const { inputs: k, units: m } = layer
  const weights = new Float64Array(k * m)
  for (let i = 0; i < k; i++) for (let j = 0; j < m; j++) weights[j * k + i] = layer.weights[i * m + j]
  const activation = layer.activation === 'relu' ? RELU : layer.activation === 'sigmoid' ? SIGMOID : LINEAR
  return { inputs: k, units: m, weights, bias: layer.bias, activation }
}

function activate(s: number, activation: number): number {
  if (activation === RELU) return Math.max(s, 0)
  if (activation === SIGMOID) return 1 / (1 + Math.exp(-Math.fround(s)))
  return s
}

/**
 * Four rows through one layer: x holds them at from, from + k, …; each row's sums start from start[r * stride + j]
 * (stride 0: the bias for every row). out gets [4, units], activated and rounded to float32. Outputs go in pairs,
 * so each input loaded serves two outputs and each weight four rows (eight sums in registers); an odd last output
 * runs alone.
 */
function dense4(x: Float32Array, from: number, layer: Dense, start: Float64Array, stride: number, out: Float32Array): void {
  const k = layer.inputs | 0
  const units = layer.units | 0
  const { weights: w, activation } = layer
  const x1 = from + k
  const x2 = x1 + k
  const x3 = x2 + k
  let j = 0
  for (; j + 1 < units; j += 2) {
    let s0 = start[j]
    let s1 = start[stride + j]
    let s2 = start[2 * stride + j]
    let s3 = start[3 * stride + j]
    let t0 = start[j + 1]
    let t1 = start[stride + j + 1]
    let t2 = start[2 * stride + j + 1]
    let t3 = start[3 * stride + j + 1]
    const o = j * k
    const p = o + k
    for (let i = 0; i < k; i++) {
      const wi = w[o + i]
      const vi = w[p + i]
      const a0 = x[from + i]
      const a1 = x[x1 + i]
      const a2 = x[x2 + i]
      const a3 = x[x3 + i]
      s0 += a0 * wi
      s1 += a1 * wi
      s2 += a2 * wi
      s3 += a3 * wi
      t0 += a0 * vi
      t1 += a1 * vi
      t2 += a2 * vi
      t3 += a3 * vi
    }
    out[j] = activate(s0, activation)
    out[units + j] = activate(s1, activation)
    out[2 * units + j] = activate(s2, activation)
    out[3 * units + j] = activate(s3, activation)
    out[j + 1] = activate(t0, activation)
    out[units + j + 1] = activate(t1, activation)
    out[2 * units + j + 1] = activate(t2, activation)
    out[3 * units + j + 1] = activate(t3, activation)
  }
  if (j < units) {
    let s0 = start[j]
    let s1 = start[stride + j]
    let s2 = start[2 * stride + j]
    let s3 = start[3 * stride + j]
    const o = j * k
    for (let i = 0; i < k; i++) {
      const wi = w[o + i]
      s0 += x[from + i] * wi
      s1 += x[x1 + i] * wi
      s2 += x[x2 + i] * wi
      s3 += x[x3 + i] * wi
    }
    out[j] = activate(s0, activation)
    out[units + j] = activate(s1, activation)
    out[2 * units + j] = activate(s2, activation)
    out[3 * units + j] = activate(s3, activation)
  }
}

/** One row through one layer, summed in the same order as dense4. */
function dense1(x: Float32Array, from: number, layer: Dense, start: Float64Array, out: Float32Array): void {
  const k = layer.inputs | 0
  const units = layer.units | 0
  const { weights: w, activation } = layer
  for (let j = 0; j < units; j++) {
    let s = start[j]
    const o = j * k
    for (let i = 0; i < k; i++) s += x[from + i] * w[o + i]
    out[j] = activate(s, activation)
  }
}

export function createMlpEvaluator(bytes: Uint8Array): MlpEvaluator {
  const plan = mlpPlan(bytes)
  // | 0 here and in the kernels: sizes decoded from varints are doubles, and a double size makes every index
  // computed from it a float-to-int conversion (measured: 2.5× slower)
  const width = plan.numericWidth | 0
  const { embeddings } = plan
  const layers = plan.layers.map(dense)
  const first = layers[0]
  const widest = layers.reduce((m, l) => Math.max(m, l.units), 0)
  // per block: each row's first-layer start (bias + its embeddings), and two activation buffers
  const start = new Float64Array(BLOCK * first.units)
  let a = new Float32Array(BLOCK * widest)
  let b = new Float32Array(BLOCK * widest)
  const indices: Int32Array[] = embeddings.map(() => new Int32Array(0))

  /** start[slot] = bias + Σ projected embeddings of row r, in embedding order */
  function startRow(r: number, slot: number): void {
    const units = first.units | 0
    const o = slot * units
    for (let j = 0; j < units; j++) start[o + j] = first.bias[j]
    for (let e = 0; e < embeddings.length; e++) {
      const f = embeddings[e]
      const vocab = f.vocab | 0
      let v = indices[e][r]
      if (v < 0) v += vocab
      if (v < 0 || v >= vocab)
        throw new OnnxInputError(`input '${f.input}' row ${r}: index ${indices[e][r]} is outside the vocabulary [0, ${f.vocab})`)
      const p = f.projected
      const po = v * units
      for (let j = 0; j < units; j++) start[o + j] += p[po + j]
    }
  }

  return {
    inputNames: ['numeric', ...embeddings.map((e) => e.input)],
    run(feeds, rows) {
      if (!Number.isSafeInteger(rows) || rows < 0) throw new OnnxInputError(`rows must be a non-negative integer, got ${rows}`)
      const input = feeds.numeric
      if (!(input instanceof Float32Array) || input.length !== rows * width)
        throw new OnnxInputError(`input 'numeric' must be a Float32Array of ${rows * width} values`)
      for (let e = 0; e < embeddings.length; e++) {
        const idx = feeds[embeddings[e].input]
        if (!(idx instanceof Int32Array) || idx.length !== rows)
          throw new OnnxInputError(`input '${embeddings[e].input}' must be an Int32Array of ${rows} values`)
        indices[e] = idx
      }
      const out = new Float32Array(rows)
      let r = 0
      for (; r + BLOCK <= rows; r += BLOCK) {
        for (let s = 0; s < BLOCK; s++) startRow(r + s, s)
        dense4(input, r * width, first, start, first.units, a)
        for (let l = 1; l < layers.length; l++) {
          dense4(a, 0, layers[l], layers[l].bias, 0, b)
          const t = a
          a = b
          b = t
        }
        // the last layer has one unit: its four outputs are the block's probabilities
        for (let s = 0; s < BLOCK; s++) out[r + s] = a[s]
      }
      for (; r < rows; r++) {
        startRow(r, 0)
        dense1(input, r * width, first, start, a)
        for (let l = 1; l < layers.length; l++) {
          dense1(a, 0, layers[l], layers[l].bias, b)
          const t = a
          a = b
          b = t
        }
        out[r] = a[0]
      }
      return out
    },
  }
}
