import { describe, expect, it } from 'vitest'
import { OnnxFormatError } from './errors.ts'
import { ProtoReader, ProtoWriter } from './protobuf.ts'

function reader(bytes: Uint8Array): ProtoReader {
  return ProtoReader.of(bytes, 'TestProto', 'test.bin')
}

describe('protobuf wire format', () => {
  it('round-trips varints, including int64 negatives', () => {
    const values = [0, 1, 127, 128, 300, 2 ** 31, 2 ** 32 + 5, Number.MAX_SAFE_INTEGER, -1, -2, -(2 ** 31), Number.MIN_SAFE_INTEGER]
    const w = new ProtoWriter()
    for (const v of values) w.varint(3, v)
    const bytes = w.finish()
    expect(Array.from(bytes.subarray(0, 2))).toEqual([0x18, 0x00])
    const r = reader(bytes)
    const back: number[] = []
    while (r.next()) back.push(r.int())
    expect(back).toEqual(values)
  })

  it('encodes the documented example 150 as 08 96 01', () => {
    const w = new ProtoWriter()
    w.varint(1, 150)
    expect(Array.from(w.finish())).toEqual([0x08, 0x96, 0x01])
  })

  it('round-trips floats, strings, packed fields and nested messages, skipping unknown fields', () => {
    const w = new ProtoWriter()
    w.float(1, 1.5)
    w.string(2, 'héllo')
    w.packedFloats(3, [0.25, -2])
    w.packedVarints(4, [1, 300, -1])
    w.varint(99, 7)
    w.message(5, (m) => m.string(1, 'inner'))
    const r = reader(w.finish())
    const floats: number[] = []
    const ints: number[] = []
    let text = ''
    let inner = ''
    while (r.next()) {
      if (r.field === 1 || r.field === 3) r.floats(floats)
      else if (r.field === 2) text = r.string()
      else if (r.field === 4) r.ints(ints)
      else if (r.field === 5) {
        const m = r.sub('Inner')
        while (m.next()) inner = m.string()
      } else r.skip()
    }
    expect(floats).toEqual([1.5, 0.25, -2])
    expect(ints).toEqual([1, 300, -1])
    expect(text).toBe('héllo')
    expect(inner).toBe('inner')
  })

  it.each([
    ['a truncated varint', [0x08, 0x96], /test\.bin: truncated at byte 2 while reading field 1 of TestProto/],
    ['a length past the end', [0x12, 0x05, 0x61], /truncated at byte 2 while reading field 2/],
    ['field number 0', [0x00, 0x01], /invalid field number 0/],
    ['a group wire type', [0x0b], /unsupported wire type 3/],
    ['an 11-byte varint', [0x08, ...new Array(10).fill(0xff), 0x01], /malformed varint/],
    ['invalid UTF-8', [0x12, 0x01, 0xff], /invalid UTF-8/],
  ])('rejects %s with OnnxFormatError', (_, bytes, message) => {
    const read = () => {
      const r = reader(Uint8Array.from(bytes))
      while (r.next()) {
        if (r.field === 2) r.string()
        else r.skip()
      }
    }
    expect(read).toThrow(OnnxFormatError)
    expect(read).toThrow(message)
  })

  it('rejects a wire type that does not match the field', () => {
    const r = reader(Uint8Array.from([0x0d, 0, 0, 0, 0]))
    r.next()
    expect(() => r.int()).toThrow(/wire type 5 where 0 was expected/)
  })
})
