import { UnsupportedOpError } from './errors.ts'
import { dequantizeLinear } from './kernels.ts'
import type { OnnxGraph, OnnxNode } from './model.ts'
import { parseOnnxModel } from './reader.ts'

/**
 * The graph buildOnnxModel writes — numeric input, Gather per embedding, Concat, then Gemm (+ Relu | Sigmoid) per
 * layer — read back as a plan a kernel can run: weights dequantized once in float64, each embedding folded into
 * the first layer (E·W precomputed per vocabulary entry, so a row adds one [units] vector per embedding instead of
 * multiplying its dim columns; exact up to float64 rounding). Any other graph throws UnsupportedOpError.
 */
export interface MlpPlan {
  /** width of the float32 [N, k] input 'numeric', read from the graph */
  numericWidth: number
  embeddings: FoldedEmbedding[]
  /** the first layer keeps only its numeric columns: the embeddings are folded */
  layers: MlpLayer[]
}

export interface MlpLayer {
  inputs: number
  units: number
  /** [inputs, units] row-major: input-major, so a row's inputs each add one contiguous run */
  weights: Float64Array
  bias: Float64Array
  activation: 'relu' | 'sigmoid' | 'linear'
}

export interface FoldedEmbedding {
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

export function mlpPlan(bytes: Uint8Array): MlpPlan {
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

  const layers: MlpLayer[] = []
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
    const data = w.data
    for (let i = 0; i < k; i++) for (let j = 0; j < m; j++) weights[i * m + j] = alpha * (transB ? data[j * k + i] : data[i * m + j])
    const bias = Float64Array.from({ length: m }, (_, j) => beta * c.data[c.data.length === 1 ? 0 : j])
    x = gemm.outputs[0]
    let activation: MlpLayer['activation'] = 'linear'
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

  // Fold the embeddings into the first layer: its weights keep only the numeric columns. Locals and int32 sizes
  // (varint dims are doubles): on a cold isolate this loop runs interpreted, where each property load counts.
  const first = layers[0]
  const units = first.units | 0
  const w = first.weights
  const folded: FoldedEmbedding[] = []
  let column = numericWidth | 0
  for (const e of embeddings) {
    const vocab = e.vocab | 0
    const dim = e.dim | 0
    const table = e.table
    const projected = new Float64Array(vocab * units)
    for (let v = 0; v < vocab; v++) {
      const po = v * units
      // Σ over d in order for each output, as a dot product per output would sum it
      for (let d = 0; d < dim; d++) {
        const x = table[v * dim + d]
        const wo = (column + d) * units
        for (let j = 0; j < units; j++) projected[po + j] += x * w[wo + j]
      }
    }
    folded.push({ input: e.input, vocab, projected })
    column += dim
  }
  layers[0] = { ...first, inputs: numericWidth, weights: first.weights.slice(0, numericWidth * first.units) }
  return { numericWidth, embeddings: folded, layers }
}
