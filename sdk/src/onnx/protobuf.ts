import { OnnxFormatError } from './errors.ts'

/** Protobuf wire types used by ONNX (groups, 3 and 4, are not). */
export const WIRE_VARINT = 0
export const WIRE_FIXED64 = 1
export const WIRE_BYTES = 2
export const WIRE_FIXED32 = 5

const TWO_32 = 2 ** 32
const utf8 = new TextEncoder()

/** Append-only protobuf encoder; nested messages are encoded into a child writer and copied in length-prefixed. */
export class ProtoWriter {
  private buf = new Uint8Array(256)
  private len = 0
  private readonly view4 = new DataView(new ArrayBuffer(4))

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + n))
    next.set(this.buf.subarray(0, this.len))
    this.buf = next
  }

  private rawVarint(value: number): void {
    if (!Number.isSafeInteger(value)) throw new RangeError(`varint must be a safe integer, got ${value}`)
    this.reserve(10)
    if (value < 0) {
      // int64 negatives are sent as their 64-bit two's complement: always 10 bytes.
      let v = BigInt.asUintN(64, BigInt(value))
      for (let i = 0; i < 9; i++, v >>= 7n) this.buf[this.len++] = Number(v & 0x7fn) | 0x80
      this.buf[this.len++] = Number(v)
      return
    }
    while (value >= 0x80) {
      this.buf[this.len++] = (value % 0x80) | 0x80
      value = Math.floor(value / 0x80)
    }
    this.buf[this.len++] = value
  }

  private tag(field: number, wire: number): void {
    this.rawVarint(field * 8 + wire)
  }

  varint(field: number, value: number): void {
    this.tag(field, WIRE_VARINT)
    this.rawVarint(value)
  }

  float(field: number, value: number): void {
    this.tag(field, WIRE_FIXED32)
    this.view4.setFloat32(0, value, true)
    this.reserve(4)
    this.buf.set(new Uint8Array(this.view4.buffer), this.len)
    this.len += 4
  }

  bytes(field: number, data: Uint8Array): void {
    this.tag(field, WIRE_BYTES)
    this.rawVarint(data.length)
    this.reserve(data.length)
    this.buf.set(data, this.len)
    this.len += data.length
  }

  string(field: number, value: string): void {
    this.bytes(field, utf8.encode(value))
  }

  message(field: number, write: (w: ProtoWriter) => void): void {
    const child = new ProtoWriter()
    write(child)
    this.bytes(field, child.finish())
  }

  packedFloats(field: number, values: ArrayLike<number>): void {
    const data = new DataView(new ArrayBuffer(values.length * 4))
    for (let i = 0; i < values.length; i++) data.setFloat32(i * 4, values[i], true)
    this.bytes(field, new Uint8Array(data.buffer))
  }

  packedVarints(field: number, values: ArrayLike<number>): void {
    const child = new ProtoWriter()
    for (let i = 0; i < values.length; i++) child.rawVarint(values[i])
    this.bytes(field, child.finish())
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.len)
  }
}

// ignoreBOM keeps a leading BOM as data, so strings round-trip byte for byte
const utf8Strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/**
 * Bounds-checked protobuf decoder over bytes[pos, end). Every read advances or throws an OnnxFormatError
 * that names the source, the absolute byte offset, the field and the message being read.
 */
export class ProtoReader {
  /** field number and wire type of the last tag read by next() */
  field = 0
  wire = 0

  constructor(
    private readonly bytes: Uint8Array,
    private pos: number,
    private readonly end: number,
    readonly message: string,
    readonly source: string,
  ) {}

  static of(bytes: Uint8Array, message: string, source: string): ProtoReader {
    return new ProtoReader(bytes, 0, bytes.length, message, source)
  }

  fail(problem: string): never {
    throw new OnnxFormatError(`${this.source}: ${problem} at byte ${this.pos} while reading field ${this.field} of ${this.message}`)
  }

  /** Reads the next tag; false at the end of the message. */
  next(): boolean {
    if (this.pos >= this.end) return false
    this.field = 0
    const tag = this.uvarint()
    this.field = Math.floor(tag / 8)
    this.wire = tag % 8
    if (this.field === 0) this.fail('invalid field number 0')
    if (this.wire !== WIRE_VARINT && this.wire !== WIRE_FIXED64 && this.wire !== WIRE_BYTES && this.wire !== WIRE_FIXED32) {
      this.fail(`unsupported wire type ${this.wire}`)
    }
    return true
  }

  private expect(wire: number): void {
    if (this.wire !== wire) this.fail(`wire type ${this.wire} where ${wire} was expected`)
  }

  private take(n: number): number {
    if (n > this.end - this.pos) this.fail('truncated')
    const at = this.pos
    this.pos += n
    return at
  }

  /** Raw varint as a number: exact for |value| < 2^53, int64 negatives decoded from two's complement. */
  private rawVarint(): number {
    let lo = 0
    let hi = 0
    for (let i = 0; i < 10; i++) {
      const b = this.bytes[this.take(1)]
      if (i < 4) lo |= (b & 0x7f) << (7 * i)
      else if (i === 4) {
        lo |= (b & 0x0f) << 28
        hi = (b & 0x7f) >> 4
      } else hi |= (b & 0x7f) << (7 * i - 32)
      if (b < 0x80) {
        const h = hi >>> 0
        return (h >= 0x80000000 ? h - TWO_32 : h) * TWO_32 + (lo >>> 0)
      }
    }
    this.fail('malformed varint')
  }

  private uvarint(): number {
    const v = this.rawVarint()
    if (v < 0) this.fail('negative length or tag')
    return v
  }

  int(): number {
    this.expect(WIRE_VARINT)
    return this.rawVarint()
  }

  float(): number {
    this.expect(WIRE_FIXED32)
    const at = this.take(4)
    return new DataView(this.bytes.buffer, this.bytes.byteOffset + at, 4).getFloat32(0, true)
  }

  /** Payload of a length-delimited field (a view, not a copy). */
  bytesView(): Uint8Array {
    this.expect(WIRE_BYTES)
    const n = this.uvarint()
    const at = this.take(n)
    return this.bytes.subarray(at, at + n)
  }

  string(): string {
    const data = this.bytesView()
    try {
      return utf8Strict.decode(data)
    } catch {
      return this.fail('invalid UTF-8')
    }
  }

  /** Reader for an embedded message. */
  sub(message: string): ProtoReader {
    this.expect(WIRE_BYTES)
    const n = this.uvarint()
    const at = this.take(n)
    return new ProtoReader(this.bytes, at, at + n, message, this.source)
  }

  /** Repeated float field, packed or not. */
  floats(out: number[]): void {
    if (this.wire !== WIRE_BYTES) {
      out.push(this.float())
      return
    }
    const data = this.bytesView()
    if (data.length % 4 !== 0) this.fail('packed floats length not a multiple of 4')
    const view = new DataView(data.buffer, data.byteOffset, data.length)
    for (let i = 0; i < data.length; i += 4) out.push(view.getFloat32(i, true))
  }

  /** Repeated double field, packed or not. */
  doubles(out: number[]): void {
    const read = (data: Uint8Array) => {
      if (data.length % 8 !== 0) this.fail('packed doubles length not a multiple of 8')
      const view = new DataView(data.buffer, data.byteOffset, data.length)
      for (let i = 0; i < data.length; i += 8) out.push(view.getFloat64(i, true))
    }
    if (this.wire === WIRE_BYTES) read(this.bytesView())
    else {
      this.expect(WIRE_FIXED64)
      read(this.bytes.subarray(this.take(8), this.pos))
    }
  }

  /** Repeated varint field, packed or not. */
  ints(out: number[]): void {
    if (this.wire !== WIRE_BYTES) {
      out.push(this.int())
      return
    }
    const packed = this.sub(this.message)
    packed.field = this.field
    while (packed.pos < packed.end) out.push(packed.rawVarint())
  }

  skip(): void {
    if (this.wire === WIRE_VARINT) this.rawVarint()
    else if (this.wire === WIRE_FIXED64) this.take(8)
    else if (this.wire === WIRE_FIXED32) this.take(4)
    else this.bytesView()
  }
}
