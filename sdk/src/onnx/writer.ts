import {
  DATA_TYPE_CODES,
  elementTypeCode,
  type OnnxAttribute,
  type OnnxGraph,
  type OnnxModel,
  type OnnxNode,
  type OnnxTensor,
  type OnnxValueInfo,
  tensorSize,
} from './model.ts'
import { ProtoWriter } from './protobuf.ts'

/** AttributeProto.AttributeType codes */
const ATTRIBUTE_TYPES = { float: 1, int: 2, string: 3, tensor: 4, floats: 6, ints: 7, strings: 8 } as const

const BYTES_PER_ELEMENT = { float32: 4, uint8: 1, int8: 1, int32: 4, int64: 8, float64: 8 } as const

/** Little-endian raw_data, independent of the host's byte order. */
function rawData(t: OnnxTensor): Uint8Array {
  const view = new DataView(new ArrayBuffer(t.data.length * BYTES_PER_ELEMENT[t.dataType]))
  const d = t.data
  for (let i = 0; i < d.length; i++) {
    switch (t.dataType) {
      case 'float32':
        view.setFloat32(i * 4, d[i] as number, true)
        break
      case 'float64':
        view.setFloat64(i * 8, d[i] as number, true)
        break
      case 'int32':
        view.setInt32(i * 4, d[i] as number, true)
        break
      case 'int64':
        view.setBigInt64(i * 8, d[i] as bigint, true)
        break
      default:
        view.setUint8(i, (d[i] as number) & 0xff)
    }
  }
  return new Uint8Array(view.buffer)
}

function writeTensor(w: ProtoWriter, t: OnnxTensor): void {
  if (t.data.length !== tensorSize(t.dims)) {
    throw new RangeError(`tensor '${t.name}' has ${t.data.length} values for dims [${t.dims}]`)
  }
  for (const d of t.dims) w.varint(1, d)
  w.varint(2, DATA_TYPE_CODES[t.dataType])
  w.string(8, t.name)
  w.bytes(9, rawData(t))
}

function writeAttribute(w: ProtoWriter, a: OnnxAttribute): void {
  if (a.type === 'other') throw new RangeError(`attribute '${a.name}' has a kind this writer does not encode`)
  w.string(1, a.name)
  w.varint(20, ATTRIBUTE_TYPES[a.type])
  switch (a.type) {
    case 'float':
      w.float(2, a.value)
      break
    case 'int':
      w.varint(3, a.value)
      break
    case 'string':
      w.string(4, a.value)
      break
    case 'tensor':
      w.message(5, (t) => writeTensor(t, a.value))
      break
    case 'floats':
      for (const v of a.value) w.float(7, v)
      break
    case 'ints':
      for (const v of a.value) w.varint(8, v)
      break
    case 'strings':
      for (const v of a.value) w.string(9, v)
      break
  }
}

function writeNode(w: ProtoWriter, n: OnnxNode): void {
  for (const i of n.inputs) w.string(1, i)
  for (const o of n.outputs) w.string(2, o)
  if (n.name) w.string(3, n.name)
  w.string(4, n.opType)
  for (const a of n.attributes) w.message(5, (m) => writeAttribute(m, a))
  if (n.domain) w.string(7, n.domain)
}

function writeValueInfo(w: ProtoWriter, v: OnnxValueInfo): void {
  w.string(1, v.name)
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.varint(1, elementTypeCode(v.dtype))
      const shape = v.shape
      if (shape) {
        tensor.message(2, (s) => {
          for (const d of shape) s.message(1, (dim) => (typeof d === 'number' ? dim.varint(1, d) : dim.string(2, d)))
        })
      }
    }),
  )
  if (v.docString) w.string(3, v.docString)
}

function writeGraph(w: ProtoWriter, g: OnnxGraph): void {
  for (const n of g.nodes) w.message(1, (m) => writeNode(m, n))
  w.string(2, g.name)
  for (const t of g.initializers) w.message(5, (m) => writeTensor(m, t))
  for (const v of g.inputs) w.message(11, (m) => writeValueInfo(m, v))
  for (const v of g.outputs) w.message(12, (m) => writeValueInfo(m, v))
}

/** Serialises a ModelProto. The graph goes last so that any truncated file lacks it or ends inside it: detectable. */
export function encodeOnnxModel(model: OnnxModel): Uint8Array {
  const w = new ProtoWriter()
  w.varint(1, model.irVersion)
  w.string(2, model.producerName)
  if (model.producerVersion) w.string(3, model.producerVersion)
  for (const o of model.opsetImport) {
    w.message(8, (m) => {
      if (o.domain) m.string(1, o.domain)
      m.varint(2, o.version)
    })
  }
  for (const [key, value] of Object.entries(model.metadata)) {
    w.message(14, (m) => {
      m.string(1, key)
      m.string(2, value)
    })
  }
  w.message(7, (m) => writeGraph(m, model.graph))
  return w.finish()
}
