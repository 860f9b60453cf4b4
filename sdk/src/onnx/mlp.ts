import { OnnxInputError, UnsupportedOpError } from './errors.ts'
import { dequantizeLinear } from './kernels.ts'
import type { OnnxGraph, OnnxNode } from './model.ts'
import { parseOnnxModel } from './reader.ts'

/**
 * A specialised evaluator for the graph buildOnnxModel writes — numeric input, Gather per embedding, Concat,
 * then Gemm (+ Relu | Sigmoid) per layer — fused into one pass per row over buffers allocated once:
 *
 * - weights dequantized once, input-major in float64 (no conversion per load), zero inputs skipped;
 * - each embedding is folded into the first layer: E·W is precomputed per vocabulary entry, so a row adds one
 *   [units] vector per embedding instead of multiplying its dim columns (exact up to float64 rounding);
 * - bias and activation applied as each output is stored; activations never leave the scratch buffers.
 *
 * Any other graph throws UnsupportedOpError: createTsEngine then uses the general evaluator.
 */
export interface MlpEvaluator {
  inputNames: string[]
  /** one probability per row */
  run(inputs: Record<string, Float32Array | Int32Array>, rows: number): Float32Array
}

interface Layer {
  inputs: number
  units: number
  /** [inputs, units] row-major: input-major, so a row's inputs each add one contiguous run */
  weights: Float64Array
  bias: Float64Array
  activation: 'relu' | 'sigmoid' | 'linear'
}

interface FoldedEmbedding {
  input: string
  vocab: number
  /** [vocab, units of the first layer]: the embedding row times its slice of the first layer's weights */
  projected: Float64Array
}

function unsupported(what: string): never {
  throw new UnsupportedOpError('graph', `not an exported Tarmac MLP: ${what}`)
}

function intAttr(node: OnnxNode, name: string, fallback: number): number {
  const a = node.attributes.find((x) => x.name === name)
  return a?.type === 'int' || a?.type === 'float' ? a.value : fallback
}

/** Constants by name, DequantizeLinear nodes folded, in float32. */
function constants(graph: OnnxGraph): Map<string, { dims: number[]; data: Float32Array }> {
  const consts = new Map<string, { dims: number[]; data: Float32Array }>()
  const raw = new Map(graph.initializers.map((t) => [t.name, t]))
  for (const t of graph.initializers) if (t.data instanceof Float32Array) consts.set(t.name, { dims: t.dims, data: t.data })
  for (const n of graph.nodes) {
    if (n.opType !== 'DequantizeLinear') continue
    const [x, scale, zp] = n.inputs.map((i) => raw.get(i))
    if (!x || !(x.data instanceof Int8Array || x.data instanceof Uint8Array) || !(scale?.data instanceof Float32Array))
      unsupported(`DequantizeLinear '${n.name}' of non-constant or non-8-bit input`)
    const zero = zp ? zp.data : null
    if (zero !== null && !(zero instanceof Int8Array || zero instanceof Uint8Array)) unsupported(`zero point of '${n.name}'`)
    const rank = x.dims.length
    const axisAttr = intAttr(n, 'axis', 1)
    const axis = axisAttr < 0 ? axisAttr + rank : axisAttr
    if (scale.data.length !== 1 && scale.data.length !== x.dims[axis]) unsupported(`scales of '${n.name}'`)
    consts.set(n.outputs[0], { dims: x.dims, data: dequantizeLinear(x.data, x.dims, scale.data, zero, axis) })
  }
  return consts
}

export function createMlpEvaluator(bytes: Uint8Array): MlpEvaluator {
  const { graph } = parseOnnxModel(bytes)
  const consts = constants(graph)
  const consumers = (name: string) => graph.nodes.filter((n) => n.inputs.includes(name))
  const numeric = graph.inputs.find((i) => i.name === 'numeric')
  const numericWidth = numeric?.shape?.[1]
  if (numeric?.dtype !== 'float32' || typeof numericWidth !== 'number') unsupported("no float32 [N, k] input 'numeric'")
  if (graph.outputs.length !== 1) unsupported('more than one output')

  // Gather per embedding, then Concat(numeric, embedded…) — or numeric straight into the first Gemm.
  const embeddings: { input: string; vocab: number; dim: number; table: Float32Array }[] = []
  let x = 'numeric'
  const concat = consumers('numeric').find((n) => n.opType === 'Concat')
  if (concat) {
    if (concat.inputs[0] !== 'numeric' || Math.abs(intAttr(concat, 'axis', 0)) !== 1) unsupported('Concat is not numeric-first on axis 1')
    for (const part of concat.inputs.slice(1)) {
      const gather = graph.nodes.find((n) => n.outputs[0] === part)
      const table = gather && consts.get(gather.inputs[0])
      const input = gather && graph.inputs.find((i) => i.name === gather.inputs[1])
      if (gather?.opType !== 'Gather' || !table || table.dims.length !== 2 || intAttr(gather, 'axis', 0) !== 0)
        unsupported(`Concat input '${part}' is not a Gather of a 2-D constant`)
      if (input?.dtype !== 'int32') unsupported(`Gather '${gather.name}' does not read an int32 graph input`)
      embeddings.push({ input: input.name, vocab: table.dims[0], dim: table.dims[1], table: table.data })
    }
    x = concat.outputs[0]
  }

  const layers: Layer[] = []
  let width = numericWidth + embeddings.reduce((s, e) => s + e.dim, 0)
  for (;;) {
    if (x === graph.outputs[0].name) break
    const next = consumers(x)
    const gemm = next[0]
    if (next.length !== 1 || gemm.opType !== 'Gemm' || gemm.inputs[0] !== x) unsupported(`'${x}' does not feed exactly one Gemm`)
    const w = consts.get(gemm.inputs[1])
    const c = consts.get(gemm.inputs[2] ?? '')
    const transB = intAttr(gemm, 'transB', 0) !== 0
    if (w?.dims.length !== 2 || intAttr(gemm, 'transA', 0) !== 0) unsupported(`Gemm '${gemm.name}' B is not a 2-D constant`)
    const [k, m] = transB ? [w.dims[1], w.dims[0]] : w.dims
    if (k !== width) unsupported(`Gemm '${gemm.name}' takes ${k} inputs, receives ${width}`)
    if (!c || (c.data.length !== m && c.data.length !== 1)) unsupported(`Gemm '${gemm.name}' bias`)
    const alpha = intAttr(gemm, 'alpha', 1)
    const beta = intAttr(gemm, 'beta', 1)
    const weights = new Float64Array(m * k)
    for (let i = 0; i < k; i++) for (let j = 0; j < m; j++) weights[i * m + j] = alpha * (transB ? w.data[j * k + i] : w.data[i * m + j])
    const bias = Float64Array.from({ length: m }, (_, j) => beta * c.data[c.data.length === 1 ? 0 : j])
    x = gemm.outputs[0]
    let activation: Layer['activation'] = 'linear'
    const act = consumers(x)
    if (act.length === 1 && (act[0].opType === 'Relu' || act[0].opType === 'Sigmoid')) {
      activation = act[0].opType === 'Relu' ? 'relu' : 'sigmoid'
      x = act[0].outputs[0]
    } else if (act.length > 0) unsupported(`'${x}' feeds ${act.map((n) => n.opType).join(', ')}`)
    layers.push({ inputs: k, units: m, weights, bias, activation })
    width = m
  }
  if (layers.length === 0 || width !== 1) unsupported('the output is not one unit of a dense layer')
  const used = new Set(['DequantizeLinear', 'Gather', 'Concat', 'Gemm', 'Relu', 'Sigmoid'])
  for (const n of graph.nodes) if (!used.has(n.opType) || (n.domain !== '' && n.domain !== 'ai.onnx')) unsupported(`op ${n.opType}`)

  // Fold the embeddings into the first layer: its weights keep only the numeric columns.
  const first = layers[0]
  const folded: FoldedEmbedding[] = []
  let column = numericWidth
  for (const e of embeddings) {
    const projected = new Float64Array(e.vocab * first.units)
    for (let v = 0; v < e.vocab; v++) {
      for (let j = 0; j < first.units; j++) {
        let s = 0
        for (let d = 0; d < e.dim; d++) s += e.table[v * e.dim + d] * first.weights[(column + d) * first.units + j]
        projected[v * first.units + j] = s
      }
    }
    folded.push({ input: e.input, vocab: e.vocab, projected })
    column += e.dim
  }
  layers[0] = { ...first, inputs: numericWidth, weights: first.weights.slice(0, numericWidth * first.units) }

  // One row's activations at a time: two scratch buffers as wide as the widest layer.
  const widest = layers.reduce((m, l) => Math.max(m, l.units), numericWidth)
  let a = new Float64Array(widest)
  let b = new Float64Array(widest)
  const indices: Int32Array[] = folded.map(() => new Int32Array(0))
  const inputNames = ['numeric', ...folded.map((e) => e.input)]

  return {
    inputNames,
    run(feeds, rows) {
      if (!Number.isSafeInteger(rows) || rows < 0) throw new OnnxInputError(`rows must be a non-negative integer, got ${rows}`)
      const input = feeds.numeric
      if (!(input instanceof Float32Array) || input.length !== rows * numericWidth)
        throw new OnnxInputError(`input 'numeric' must be a Float32Array of ${rows * numericWidth} values`)
      for (let e = 0; e < folded.length; e++) {
        const idx = feeds[folded[e].input]
        if (!(idx instanceof Int32Array) || idx.length !== rows)
          throw new OnnxInputError(`input '${folded[e].input}' must be an Int32Array of ${rows} values`)
        indices[e] = idx
      }
      const out = new Float32Array(rows)
      const l0 = layers[0]
      for (let r = 0; r < rows; r++) {
        // first layer: bias + Σ projected embeddings + numeric · W
        a.set(l0.bias)
        for (let e = 0; e < folded.length; e++) {
          const f = folded[e]
          let v = indices[e][r]
          if (v < 0) v += f.vocab
          if (v < 0 || v >= f.vocab)
            throw new OnnxInputError(`input '${f.input}' row ${r}: index ${indices[e][r]} is outside the vocabulary [0, ${f.vocab})`)
          const p = f.projected
          const o = v * l0.units
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
    },
  }
}

/**
 * out[units] += x[from..from+k] · W, W input-major [k, units]: one pass per input, skipping zeros — after a
 * ReLU about half the inputs are, and the one-hot day of week is six zeros in seven.
 */
function accumulate(x: Float32Array | Float64Array, from: number, k: number, w: Float64Array, units: number, out: Float64Array): void {
  for (let i = 0; i < k; i++) {
    const xi = x[from + i]
    if (xi === 0) continue
    const o = i * units
    for (let j = 0; j < units; j++) out[j] += xi * w[o + j]
  }
}

/** The activation in place, each value rounded to float32 as every ONNX runtime stores activations. */
function activate(x: Float64Array, n: number, activation: Layer['activation']): void {
  if (activation === 'relu') for (let j = 0; j < n; j++) x[j] = x[j] > 0 ? Math.fround(x[j]) : 0
  else if (activation === 'sigmoid') for (let j = 0; j < n; j++) x[j] = Math.fround(1 / (1 + Math.exp(-Math.fround(x[j]))))
  else for (let j = 0; j < n; j++) x[j] = Math.fround(x[j])
}
