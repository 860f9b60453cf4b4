import { OnnxFormatError } from './errors.ts'
import {
  DATA_TYPE_CODES,
  elementTypeName,
  type OnnxAttribute,
  type OnnxGraph,
  type OnnxModel,
  type OnnxNode,
  type OnnxTensor,
  type OnnxValueInfo,
  type TensorData,
  type TensorDataType,
  tensorSize,
} from './model.ts'
import { ProtoReader } from './protobuf.ts'

const DATA_TYPES = new Map(Object.entries(DATA_TYPE_CODES).map(([name, code]) => [code as number, name as TensorDataType]))

const MAX_ELEMENTS = 2 ** 28

/** Typed array of `dataType` from little-endian raw_data, or null when the byte length does not fit. */
function fromRaw(dataType: TensorDataType, raw: Uint8Array, size: number): TensorData | null {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.length)
  switch (dataType) {
    case 'float32':
    case 'int32': {
      if (raw.length !== size * 4) return null
      const out = dataType === 'float32' ? new Float32Array(size) : new Int32Array(size)
      for (let i = 0; i < size; i++) out[i] = dataType === 'float32' ? view.getFloat32(i * 4, true) : view.getInt32(i * 4, true)
      return out
    }
    case 'float64':
    case 'int64': {
      if (raw.length !== size * 8) return null
      if (dataType === 'int64') return BigInt64Array.from({ length: size }, (_, i) => view.getBigInt64(i * 8, true))
      return Float64Array.from({ length: size }, (_, i) => view.getFloat64(i * 8, true))
    }
    default:
      if (raw.length !== size) return null
      return dataType === 'int8' ? new Int8Array(raw.slice().buffer) : raw.slice()
  }
}

function fromValues(dataType: TensorDataType, values: number[]): TensorData {
  switch (dataType) {
    case 'float32':
      return Float32Array.from(values)
    case 'float64':
      return Float64Array.from(values)
    case 'int32':
      return Int32Array.from(values)
    case 'int64':
      return BigInt64Array.from(values, BigInt)
    case 'int8':
      return Int8Array.from(values)
    case 'uint8':
      return Uint8Array.from(values)
  }
}

function readTensor(r: ProtoReader): OnnxTensor {
  const dims: number[] = []
  const values: number[] = []
  let code = 0
  let name = ''
  let raw: Uint8Array | null = null
  let external = false
  while (r.next()) {
    if (r.field === 1) r.ints(dims)
    else if (r.field === 2) code = r.int()
    else if (r.field === 4) r.floats(values)
    else if (r.field === 5 || r.field === 7 || r.field === 11) r.ints(values)
    else if (r.field === 8) name = r.string()
    else if (r.field === 9) raw = r.bytesView()
    else if (r.field === 10) r.doubles(values)
    else if (r.field === 14) external = r.int() === 1
    else r.skip()
  }
  const label = `${r.source}: tensor '${name}'`
  const dataType = DATA_TYPES.get(code)
  if (!dataType) throw new OnnxFormatError(`${label} has data type ${elementTypeName(code)}, which this reader does not support`)
  if (external) throw new OnnxFormatError(`${label} stores its data externally, which this reader does not support`)
  if (dims.some((d) => !Number.isSafeInteger(d) || d < 0)) throw new OnnxFormatError(`${label} has invalid dims [${dims}]`)
  const size = tensorSize(dims)
  if (size > MAX_ELEMENTS) throw new OnnxFormatError(`${label} is too large (${size} elements)`)
  const data = raw ? fromRaw(dataType, raw, size) : fromValues(dataType, values)
  if (!data || data.length !== size) {
    throw new OnnxFormatError(`${label} holds ${raw ? `${raw.length} bytes` : `${values.length} values`} for ${dataType} dims [${dims}]`)
  }
  return { name, dataType, dims, data }
}

function readAttribute(r: ProtoReader): OnnxAttribute {
  let name = ''
  let type = 0
  const scalars: number[] = []
  const strings: string[] = []
  let tensor: OnnxTensor | null = null
  while (r.next()) {
    if (r.field === 1) name = r.string()
    else if (r.field === 20) type = r.int()
    else if (r.field === 2 || r.field === 7) r.floats(scalars)
    else if (r.field === 3 || r.field === 8) r.ints(scalars)
    else if (r.field === 4 || r.field === 9) strings.push(r.string())
    else if (r.field === 5) tensor = readTensor(r.sub('TensorProto'))
    else r.skip()
  }
  switch (type) {
    case 1:
    case 2:
      if (scalars.length !== 1) break
      return { name, type: type === 1 ? 'float' : 'int', value: scalars[0] }
    case 3:
      if (strings.length !== 1) break
      return { name, type: 'string', value: strings[0] }
    case 4:
      if (!tensor) break
      return { name, type: 'tensor', value: tensor }
    case 6:
      return { name, type: 'floats', value: scalars }
    case 7:
      return { name, type: 'ints', value: scalars }
    case 8:
      return { name, type: 'strings', value: strings }
    default:
      return { name, type: 'other', value: type }
  }
  throw new OnnxFormatError(`${r.source}: attribute '${name}' of type ${type} has no value`)
}

function readNode(r: ProtoReader): OnnxNode {
  const node: OnnxNode = { opType: '', domain: '', name: '', inputs: [], outputs: [], attributes: [] }
  while (r.next()) {
    if (r.field === 1) node.inputs.push(r.string())
    else if (r.field === 2) node.outputs.push(r.string())
    else if (r.field === 3) node.name = r.string()
    else if (r.field === 4) node.opType = r.string()
    else if (r.field === 5) node.attributes.push(readAttribute(r.sub('AttributeProto')))
    else if (r.field === 7) node.domain = r.string()
    else r.skip()
  }
  if (!node.opType) throw new OnnxFormatError(`${r.source}: node '${node.name}' has no op_type`)
  return node
}

function readShape(r: ProtoReader): (number | string)[] {
  const shape: (number | string)[] = []
  while (r.next()) {
    if (r.field !== 1) {
      r.skip()
      continue
    }
    const dim = r.sub('TensorShapeProto.Dimension')
    let value: number | string = '?'
    while (dim.next()) {
      if (dim.field === 1) value = dim.int()
      else if (dim.field === 2) value = dim.string()
      else dim.skip()
    }
    shape.push(value)
  }
  return shape
}

function readValueInfo(r: ProtoReader): OnnxValueInfo {
  const info: OnnxValueInfo = { name: '', dtype: 'non-tensor', shape: null, docString: '' }
  while (r.next()) {
    if (r.field === 1) info.name = r.string()
    else if (r.field === 3) info.docString = r.string()
    else if (r.field === 2) {
      const type = r.sub('TypeProto')
      while (type.next()) {
        if (type.field !== 1) {
          type.skip()
          continue
        }
        const tensor = type.sub('TypeProto.Tensor')
        while (tensor.next()) {
          if (tensor.field === 1) info.dtype = elementTypeName(tensor.int())
          else if (tensor.field === 2) info.shape = readShape(tensor.sub('TensorShapeProto'))
          else tensor.skip()
        }
      }
    } else r.skip()
  }
  return info
}

function readGraph(r: ProtoReader): OnnxGraph {
  const graph: OnnxGraph = { name: '', nodes: [], initializers: [], inputs: [], outputs: [] }
  while (r.next()) {
    if (r.field === 1) graph.nodes.push(readNode(r.sub('NodeProto')))
    else if (r.field === 2) graph.name = r.string()
    else if (r.field === 5) graph.initializers.push(readTensor(r.sub('TensorProto')))
    else if (r.field === 11) graph.inputs.push(readValueInfo(r.sub('ValueInfoProto')))
    else if (r.field === 12) graph.outputs.push(readValueInfo(r.sub('ValueInfoProto')))
    else r.skip()
  }
  return graph
}

/**
 * Decodes an ONNX ModelProto. Anything malformed throws OnnxFormatError with a one-line message;
 * `source` names the bytes in that message (a file name or URL).
 */
export function parseOnnxModel(bytes: Uint8Array, source = 'model.onnx'): OnnxModel {
  if (bytes.length === 0) throw new OnnxFormatError(`${source}: empty file, not an ONNX model`)
  const r = ProtoReader.of(bytes, 'ModelProto', source)
  let irVersion = 0
  let graph: OnnxGraph | null = null
  const metadata: [string, string][] = []
  const model: Omit<OnnxModel, 'graph' | 'irVersion' | 'metadata'> = { producerName: '', producerVersion: '', opsetImport: [] }
  while (r.next()) {
    if (r.field === 1) irVersion = r.int()
    else if (r.field === 2) model.producerName = r.string()
    else if (r.field === 3) model.producerVersion = r.string()
    else if (r.field === 7) graph = readGraph(r.sub('GraphProto'))
    else if (r.field === 8) {
      const o = r.sub('OperatorSetIdProto')
      const opset = { domain: '', version: 0 }
      while (o.next()) {
        if (o.field === 1) opset.domain = o.string()
        else if (o.field === 2) opset.version = o.int()
        else o.skip()
      }
      model.opsetImport.push(opset)
    } else if (r.field === 14) {
      const e = r.sub('StringStringEntryProto')
      let key = ''
      let value = ''
      while (e.next()) {
        if (e.field === 1) key = e.string()
        else if (e.field === 2) value = e.string()
        else e.skip()
      }
      metadata.push([key, value])
    } else r.skip()
  }
  if (irVersion <= 0) throw new OnnxFormatError(`${source}: ModelProto has no ir_version (field 1); not an ONNX model?`)
  if (!graph) throw new OnnxFormatError(`${source}: ModelProto has no graph (field 7); the file may be truncated`)
  if (model.opsetImport.length === 0) throw new OnnxFormatError(`${source}: ModelProto has no opset_import (field 8)`)
  // fromEntries defines own properties, so a key like '__proto__' survives
  return { irVersion, ...model, metadata: Object.fromEntries(metadata), graph }
}
