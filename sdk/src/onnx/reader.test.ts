import { describe, expect, it } from 'vitest'
import { buildOnnxModel } from './build.ts'
import { OnnxFormatError } from './errors.ts'
import { ProtoWriter } from './protobuf.ts'
import { parseOnnxModel } from './reader.ts'
import { mulberry32, randomNetwork } from './testing.ts'
import { encodeOnnxModel } from './writer.ts'

const SMALL = { numericWidth: 3, embeddings: [{ input: 'origin', vocab: 4, dim: 2 }], hidden: [4] }

function expectFormatError(read: () => unknown, message: RegExp = /^model\.onnx: /): void {
  let error: unknown
  try {
    read()
  } catch (e) {
    error = e
  }
  expect(error).toBeInstanceOf(OnnxFormatError)
  expect((error as Error).message).toMatch(message)
  expect((error as Error).message).not.toContain('\n')
}

describe('parseOnnxModel', () => {
  const net = randomNetwork(3)
  // an own '__proto__' key, as JSON.parse would produce
  const metadata = Object.fromEntries([
    ['run', 'r1'],
    ['__proto__', 'kept'],
  ])
  const bytes = buildOnnxModel(net, { quantization: 'int8', metadata, graphName: 'g' })

  it('reads back what the builder wrote', () => {
    const model = parseOnnxModel(bytes)
    expect(model.irVersion).toBe(8)
    expect(model.opsetImport).toEqual([{ domain: '', version: 17 }])
    expect(model.producerName).toBe('tarmac')
    expect(model.metadata).toEqual(metadata)
    expect(Object.keys(model.metadata)).toEqual(['run', '__proto__'])
    expect(model.graph.name).toBe('g')
    expect(model.graph.inputs.map((i) => [i.name, i.dtype, i.shape])).toEqual([
      ['numeric', 'float32', ['batch', 24]],
      ['origin', 'int32', ['batch']],
      ['destination', 'int32', ['batch']],
    ])
    expect(model.graph.outputs.map((o) => [o.name, o.dtype, o.shape])).toEqual([['probability', 'float32', ['batch', 1]]])
    for (const v of [...model.graph.inputs, ...model.graph.outputs]) expect(v.docString).not.toBe('')
    const q = model.graph.initializers.find((t) => t.name === 'dense0_weight_q')
    expect(q?.dataType).toBe('int8')
    expect(q?.dims).toEqual([40, 64])
    const bias = model.graph.initializers.find((t) => t.name === 'dense1_bias')
    expect(bias?.data).toEqual(net.layers[1].bias)
    const dq = model.graph.nodes.find((n) => n.opType === 'DequantizeLinear')
    expect(dq?.attributes).toEqual([{ name: 'axis', type: 'int', value: 1 }])
  })

  it('re-encodes to the same bytes', () => {
    expect(encodeOnnxModel(parseOnnxModel(bytes))).toEqual(bytes)
  })

  it('rejects empty input', () => {
    expectFormatError(() => parseOnnxModel(new Uint8Array(0)), /^model\.onnx: empty file/)
  })

  it('rejects random bytes', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const rand = mulberry32(seed)
      const noise = Uint8Array.from({ length: 1 + Math.floor(rand() * 300) }, () => Math.floor(rand() * 256))
      expectFormatError(() => parseOnnxModel(noise, 'noise.onnx'), /^noise\.onnx: /)
    }
  })

  it('rejects every truncation of a valid model', () => {
    const small = buildOnnxModel(randomNetwork(4, SMALL), { quantization: 'int8', metadata: { k: 'v' } })
    for (let n = 1; n < small.length; n++) expectFormatError(() => parseOnnxModel(small.subarray(0, n)))
    expectFormatError(
      () => parseOnnxModel(small.subarray(0, small.length - 10)),
      /truncated at byte \d+ while reading field 7 of ModelProto/,
    )
  })

  it('rejects a model without a graph', () => {
    const w = new ProtoWriter()
    w.varint(1, 8)
    w.message(8, (m) => m.varint(2, 17))
    expectFormatError(() => parseOnnxModel(w.finish()), /^model\.onnx: ModelProto has no graph \(field 7\)/)
  })

  it('rejects initializer data that does not match its dims', () => {
    // encoded by hand: encodeOnnxModel refuses such a tensor
    const w = new ProtoWriter()
    w.varint(1, 8)
    w.message(8, (m) => m.varint(2, 17))
    w.message(7, (g) =>
      g.message(5, (t) => {
        t.varint(1, 999)
        t.varint(2, 1)
        t.string(8, 'w')
        t.bytes(9, new Uint8Array(8))
      }),
    )
    expectFormatError(() => parseOnnxModel(w.finish()), /tensor 'w' holds 8 bytes for float32 dims \[999\]/)
  })
})
