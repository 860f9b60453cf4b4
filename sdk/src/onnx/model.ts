/** The network a trainer exports, independent of ONNX. */
export interface DenseLayer {
  inputs: number
  units: number
  /** row-major [inputs, units] */
  weights: Float32Array
  bias: Float32Array
  activation: 'relu' | 'sigmoid' | 'linear'
}

export interface EmbeddingSpec {
  /** graph input name, int32 [N] */
  input: string
  vocab: number
  dim: number
  /** row-major [vocab, dim] */
  table: Float32Array
}

export interface NetworkSpec {
  /** graph input 'numeric' float32 [N, numericWidth] */
  numericWidth: number
  /** concatenated after numeric, in order */
  embeddings: EmbeddingSpec[]
  /** the last layer has 1 unit and a sigmoid: its output is the probability */
  layers: DenseLayer[]
}

export type Quantization = 'fp32' | 'int8'

/** Tensor element types this toolkit reads and writes, with their ONNX TensorProto.DataType codes. */
export const DATA_TYPE_CODES = { float32: 1, uint8: 2, int8: 3, int32: 6, int64: 7, float64: 11 } as const
export type TensorDataType = keyof typeof DATA_TYPE_CODES

export type TensorData = Float32Array | Uint8Array | Int8Array | Int32Array | BigInt64Array | Float64Array

export interface OnnxTensor {
  name: string
  dataType: TensorDataType
  dims: number[]
  /** row-major, length = product of dims */
  data: TensorData
}

export type OnnxAttribute =
  | { name: string; type: 'int'; value: number }
  | { name: string; type: 'float'; value: number }
  | { name: string; type: 'string'; value: string }
  | { name: string; type: 'ints'; value: number[] }
  | { name: string; type: 'floats'; value: number[] }
  | { name: string; type: 'strings'; value: string[] }
  | { name: string; type: 'tensor'; value: OnnxTensor }
  /** graphs, sparse tensors, type protos: kept by kind only (AttributeProto.AttributeType code) */
  | { name: string; type: 'other'; value: number }

export interface OnnxNode {
  opType: string
  /** '' is the default ONNX domain */
  domain: string
  name: string
  /** '' marks an omitted optional input */
  inputs: string[]
  outputs: string[]
  attributes: OnnxAttribute[]
}

export interface OnnxValueInfo {
  name: string
  /** 'float32', 'int32', ... or `type<code>` for element types outside TensorDataType; 'non-tensor' for sequences and maps */
  dtype: string
  /** a number for fixed dims, the dim_param (or '?') for symbolic ones; null when the rank is unknown */
  shape: (number | string)[] | null
  docString: string
}

export interface OnnxGraph {
  name: string
  nodes: OnnxNode[]
  initializers: OnnxTensor[]
  inputs: OnnxValueInfo[]
  outputs: OnnxValueInfo[]
}

export interface OnnxModel {
  irVersion: number
  producerName: string
  producerVersion: string
  opsetImport: { domain: string; version: number }[]
  metadata: Record<string, string>
  graph: OnnxGraph
}

const ELEMENT_NAMES: Record<number, string> = {
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  4: 'uint16',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  8: 'string',
  9: 'bool',
  10: 'float16',
  11: 'float64',
  12: 'uint32',
  13: 'uint64',
  16: 'bfloat16',
}

export function elementTypeName(code: number): string {
  return ELEMENT_NAMES[code] ?? `type${code}`
}

export function elementTypeCode(name: string): number {
  const code = Object.entries(ELEMENT_NAMES).find(([, n]) => n === name)?.[0] ?? /^type(\d+)$/.exec(name)?.[1]
  if (code === undefined) throw new RangeError(`unknown element type '${name}'`)
  return Number(code)
}

export function tensorSize(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1)
}
