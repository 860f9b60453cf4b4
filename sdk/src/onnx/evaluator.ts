import { OnnxFormatError, OnnxInputError, UnsupportedOpError } from './errors.ts'
import { add, addRow, concat, dequantizeLinear, gather, gemm, relu, sigmoid } from './kernels.ts'
import type { OnnxAttribute, OnnxNode, TensorData } from './model.ts'
import { parseOnnxModel } from './reader.ts'

export interface TsEvaluator {
  /** distinct op types of the model, in graph order */
  ops: string[]
  /** graph inputs run() needs, in graph order */
  inputNames: string[]
  /** the single graph output, float32 [rows, outputWidth] */
  outputName: string
  outputWidth: number
  /** Evaluates `rows` rows; returns the output row-major (for Tarmac models: one probability per row). */
  run(inputs: Record<string, Float32Array | Int32Array>, rows: number): Float32Array
}

export const SUPPORTED_OPS: readonly string[] = ['Gather', 'Concat', 'Gemm', 'MatMul', 'Add', 'Relu', 'Sigmoid', 'DequantizeLinear']

/** A value of the graph: a constant, a float32 [rows, width] activation, or an int32 [rows] index input. */
type Value =
  | { kind: 'const'; dims: number[]; data: TensorData }
  | { kind: 'float'; width: number; slot: number }
  | { kind: 'index'; slot: number }

type Step = (rows: number) => void

function attr(node: OnnxNode, name: string, fallback: number): number {
  const a: OnnxAttribute | undefined = node.attributes.find((x) => x.name === name)
  if (a === undefined) return fallback
  if (a.type !== 'int' && a.type !== 'float') throw new UnsupportedOpError(node.opType, `attribute '${name}' is not a number`)
  return a.value
}

/** Every node's inputs produced before it (ONNX requires this order, but it is cheap to not rely on it). */
function topologicalOrder(nodes: OnnxNode[], available: Set<string>): OnnxNode[] {
  const order: OnnxNode[] = []
  let pending = nodes
  while (pending.length > 0) {
    const next = pending.filter((n) => !n.inputs.every((i) => i === '' || available.has(i)))
    if (next.length === pending.length) {
      const missing = pending[0].inputs.find((i) => i !== '' && !available.has(i))
      throw new OnnxFormatError(`node '${pending[0].name || pending[0].opType}' reads '${missing}', which nothing produces (or a cycle)`)
    }
    for (const n of pending) {
      if (next.includes(n)) continue
      order.push(n)
      for (const o of n.outputs) available.add(o)
    }
    pending = next
  }
  return order
}

/**
 * Compiles an ONNX model (as written by buildOnnxModel) into a pure-TypeScript evaluator. Throws UnsupportedOpError
 * for any op or op variant outside SUPPORTED_OPS so callers can fall back to onnxruntime, OnnxFormatError for bad bytes.
 * Constants are dequantized and weights transposed once here; run() only loops.
 */
export function createTsEvaluator(bytes: Uint8Array): TsEvaluator {
  const { graph } = parseOnnxModel(bytes)
  for (const n of graph.nodes) {
    if (n.domain !== '' && n.domain !== 'ai.onnx')
      throw new UnsupportedOpError(`${n.domain}.${n.opType}`, 'custom domains are not supported')
    if (!SUPPORTED_OPS.includes(n.opType)) throw new UnsupportedOpError(n.opType, `the TS evaluator runs only ${SUPPORTED_OPS.join(', ')}`)
  }
  const values = new Map<string, Value>()
  for (const t of graph.initializers) values.set(t.name, { kind: 'const', dims: t.dims, data: t.data })
  // Float slots hold [rows, width] activations (or the caller's float inputs); index slots hold the caller's int32 inputs.
  const widths: number[] = []
  const indices: Int32Array[] = []
  const inputs: { name: string; value: Exclude<Value, { kind: 'const' }> }[] = []
  for (const input of graph.inputs) {
    if (values.has(input.name)) continue
    const shape = input.shape
    let value: Exclude<Value, { kind: 'const' }> | null = null
    if (input.dtype === 'float32' && shape?.length === 2 && typeof shape[1] === 'number') {
      value = { kind: 'float', width: shape[1], slot: widths.push(shape[1]) - 1 }
    } else if (input.dtype === 'int32' && shape?.length === 1) value = { kind: 'index', slot: indices.push(new Int32Array(0)) - 1 }
    if (!value)
      throw new UnsupportedOpError('input', `graph input '${input.name}' is ${input.dtype} [${shape}], not float32 [N, k] or int32 [N]`)
    values.set(input.name, value)
    inputs.push({ name: input.name, value })
  }

  const get = (node: OnnxNode, i: number): Value | null => {
    const name = node.inputs[i] ?? ''
    if (name === '') return null
    const v = values.get(name)
    if (!v) throw new OnnxFormatError(`node '${node.name || node.opType}' reads undefined value '${name}'`)
    return v
  }
  const floatConst = (node: OnnxNode, v: Value | null, what: string): { dims: number[]; data: Float32Array } => {
    if (v?.kind !== 'const' || !(v.data instanceof Float32Array))
      throw new UnsupportedOpError(node.opType, `${what} must be a float32 constant`)
    return { dims: v.dims, data: v.data }
  }
  const activation = (node: OnnxNode, v: Value | null, what: string): Extract<Value, { kind: 'float' }> => {
    if (v?.kind !== 'float') throw new UnsupportedOpError(node.opType, `${what} must be a float32 [N, k] activation`)
    return v
  }
  const output = (node: OnnxNode, width: number): number => {
    const slot = widths.push(width) - 1
    values.set(node.outputs[0], { kind: 'float', width, slot })
    return slot
  }

  const floats: Float32Array[] = []
  const steps: Step[] = []
  const order = topologicalOrder(graph.nodes, new Set([...values.keys()]))
  for (const node of order) {
    const a = get(node, 0)
    const b = get(node, 1)
    switch (node.opType) {
      case 'DequantizeLinear': {
        if (a?.kind !== 'const' || a.data instanceof BigInt64Array || a.data instanceof Float32Array || a.data instanceof Float64Array) {
          throw new UnsupportedOpError(node.opType, 'only constant int8/uint8/int32 inputs are folded')
        }
        const scale = floatConst(node, b, 'scale')
        const zp = get(node, 2)
        if (zp !== null && (zp.kind !== 'const' || zp.data.length !== scale.data.length || zp.data instanceof BigInt64Array)) {
          throw new UnsupportedOpError(node.opType, 'zero point must be a constant shaped like the scale')
        }
        if (attr(node, 'block_size', 0) !== 0) throw new UnsupportedOpError(node.opType, 'blocked quantization')
        const rank = a.dims.length
        const axisAttr = attr(node, 'axis', 1)
        const axis = axisAttr < 0 ? axisAttr + rank : axisAttr
        const perAxis = scale.data.length !== 1
        if (perAxis && (axis < 0 || axis >= rank || scale.dims.length !== 1 || scale.data.length !== a.dims[axis])) {
          throw new OnnxFormatError(`DequantizeLinear '${node.name}': ${scale.data.length} scales for axis ${axis} of [${a.dims}]`)
        }
        const data = dequantizeLinear(a.data, a.dims, scale.data, zp === null ? null : (zp.data as ArrayLike<number>), axis)
        values.set(node.outputs[0], { kind: 'const', dims: a.dims, data })
        break
      }
      case 'Gather': {
        const table = floatConst(node, a, 'data')
        if (b?.kind !== 'index') throw new UnsupportedOpError(node.opType, 'indices must be an int32 [N] graph input')
        if (attr(node, 'axis', 0) !== 0 || table.dims.length !== 2) throw new UnsupportedOpError(node.opType, 'only axis 0 of a 2-D table')
        const [vocab, dim] = table.dims
        const out = output(node, dim)
        const name = node.inputs[1]
        steps.push((rows) => gather(table.data, vocab, dim, indices[b.slot], name, floats[out], rows))
        break
      }
      case 'Concat': {
        const axis = attr(node, 'axis', Number.NaN)
        if (axis !== 1 && axis !== -1) throw new UnsupportedOpError(node.opType, 'only axis 1 of [N, k] activations')
        const parts = node.inputs.map((_, i) => activation(node, get(node, i), `input ${i}`))
        const out = output(
          node,
          parts.reduce((s, p) => s + p.width, 0),
        )
        const partWidths = parts.map((p) => p.width)
        const partBuffers: Float32Array[] = []
        steps.push((rows) => {
          for (let i = 0; i < parts.length; i++) partBuffers[i] = floats[parts[i].slot]
          concat(partBuffers, partWidths, floats[out], rows)
        })
        break
      }
      case 'Gemm':
      case 'MatMul': {
        const x = activation(node, a, 'A')
        const w = floatConst(node, b, 'B')
        const transB = attr(node, 'transB', 0) !== 0
        if (attr(node, 'transA', 0) !== 0 || w.dims.length !== 2)
          throw new UnsupportedOpError(node.opType, 'only A [N, k] times a 2-D constant B')
        const [k, m] = transB ? [w.dims[1], w.dims[0]] : w.dims
        if (k !== x.width) throw new OnnxFormatError(`${node.opType} '${node.name}': A has ${x.width} columns, B has ${k} rows`)
        const bt = new Float64Array(k * m)
        for (let i = 0; i < k; i++) for (let j = 0; j < m; j++) bt[j * k + i] = transB ? w.data[j * k + i] : w.data[i * m + j]
        let bias: Float64Array | null = null
        const c = node.opType === 'Gemm' ? get(node, 2) : null
        if (c !== null) {
          const cData = floatConst(node, c, 'C').data
          if (cData.length !== 1 && cData.length !== m) throw new UnsupportedOpError(node.opType, `C must have 1 or ${m} values`)
          const beta = attr(node, 'beta', 1)
          bias = Float64Array.from({ length: m }, (_, j) => beta * cData[cData.length === 1 ? 0 : j])
        }
        const alpha = node.opType === 'Gemm' ? attr(node, 'alpha', 1) : 1
        const out = output(node, m)
        steps.push((rows) => gemm(floats[x.slot], k, bt, m, bias, alpha, floats[out], rows))
        break
      }
      case 'Add': {
        if (a?.kind === 'float' && b?.kind === 'float') {
          if (a.width !== b.width) throw new UnsupportedOpError(node.opType, 'activations of different widths')
          const out = output(node, a.width)
          steps.push((rows) => add(floats[a.slot], floats[b.slot], floats[out], rows * a.width))
          break
        }
        const [x, c] = a?.kind === 'float' ? [a, b] : [activation(node, b, 'one input'), a]
        const row = floatConst(node, c, 'the other input')
        if (row.data.length !== 1 && (row.data.length !== x.width || row.dims.some((d, i) => d !== 1 && i !== row.dims.length - 1))) {
          throw new UnsupportedOpError(node.opType, `constant must broadcast to [${x.width}]`)
        }
        const out = output(node, x.width)
        steps.push((rows) => addRow(floats[x.slot], row.data, x.width, floats[out], rows))
        break
      }
      default: {
        const x = activation(node, a, 'X')
        const out = output(node, x.width)
        const kernel = node.opType === 'Relu' ? relu : sigmoid
        steps.push((rows) => kernel(floats[x.slot], floats[out], rows * x.width))
      }
    }
  }

  if (graph.outputs.length !== 1) throw new UnsupportedOpError('output', `the graph has ${graph.outputs.length} outputs, expected 1`)
  const outputName = graph.outputs[0].name
  const result = values.get(outputName)
  if (result?.kind !== 'float') throw new UnsupportedOpError('output', `graph output '${outputName}' is not a float32 [N, k] activation`)
  // Preallocated for one row (the serving case); run() grows them for larger batches.
  let capacity = 1
  for (let s = 0; s < widths.length; s++) floats[s] = new Float32Array(widths[s])

  return {
    ops: [...new Set(graph.nodes.map((n) => n.opType))],
    inputNames: inputs.map((i) => i.name),
    outputName,
    outputWidth: result.width,
    run(feeds, rows) {
      if (!Number.isSafeInteger(rows) || rows < 0) throw new OnnxInputError(`rows must be a non-negative integer, got ${rows}`)
      if (rows > capacity) {
        // Activations are sized for the largest batch seen; inputs below overwrite their slots with the caller's arrays.
        capacity = rows
        for (let s = 0; s < widths.length; s++) floats[s] = new Float32Array(capacity * widths[s])
      }
      for (const { name, value } of inputs) {
        const feed = feeds[name]
        if (feed === undefined) throw new OnnxInputError(`missing input '${name}'`)
        const expected = value.kind === 'float' ? rows * value.width : rows
        if (feed.length !== expected)
          throw new OnnxInputError(`input '${name}' has ${feed.length} values, expected ${expected} for ${rows} rows`)
        if (value.kind === 'float') {
          if (!(feed instanceof Float32Array)) throw new OnnxInputError(`input '${name}' must be a Float32Array`)
          floats[value.slot] = feed
        } else {
          if (!(feed instanceof Int32Array)) throw new OnnxInputError(`input '${name}' must be an Int32Array`)
          indices[value.slot] = feed
        }
      }
      for (const step of steps) step(rows)
      return floats[result.slot].slice(0, rows * result.width)
    },
  }
}
