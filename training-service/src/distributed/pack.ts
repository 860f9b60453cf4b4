import { TYPED, type Typed, type TypedName, typedName } from '../typed-arrays.ts'

/**
 * One self-contained blob for a value holding typed arrays (an encoded split, a trial result): a JSON
 * document followed by the arrays' raw bytes, each 8-byte aligned. It is what goes into the shared
 * artifact directory; Redis only ever sees the blob's key.
 */
interface TypedRef {
  $typed: TypedName
  offset: number
  bytes: number
}

const MAGIC = 0x4b504d54 // "TMPK", little-endian
const align = (n: number) => (n + 7) & ~7

export function packValue(value: unknown): Uint8Array {
  const arrays: Typed[] = []
  let offset = 0
  const json = JSON.stringify(value, (_key, v) => {
    const name = typedName(v)
    if (!name) return v
    const t = v as Typed
    arrays.push(t)
    const ref: TypedRef = { $typed: name, offset, bytes: t.byteLength }
    offset = align(offset + t.byteLength)
    return ref
  })
  const header = new TextEncoder().encode(json)
  const start = align(8 + header.byteLength)
  const out = new Uint8Array(start + offset)
  const view = new DataView(out.buffer)
  view.setUint32(0, MAGIC, true)
  view.setUint32(4, header.byteLength, true)
  out.set(header, 8)
  let at = start
  for (const t of arrays) {
    out.set(new Uint8Array(t.buffer, t.byteOffset, t.byteLength), at)
    at = align(at + t.byteLength)
  }
  return out
}

export function unpackValue<T>(bytes: Uint8Array): T {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (bytes.byteLength < 8 || view.getUint32(0, true) !== MAGIC) throw new Error('not a packed tarmac value')
  const length = view.getUint32(4, true)
  const start = align(8 + length)
  const json = new TextDecoder().decode(bytes.subarray(8, 8 + length))
  return JSON.parse(json, (_key, v) => {
    if (v === null || typeof v !== 'object' || typeof (v as TypedRef).$typed !== 'string') return v
    const ref = v as TypedRef
    const Ctor = TYPED[ref.$typed]
    // a copy: the result owns aligned memory and does not pin the whole blob
    const copy = bytes.slice(start + ref.offset, start + ref.offset + ref.bytes)
    return new Ctor(copy.buffer, 0, ref.bytes / Ctor.BYTES_PER_ELEMENT)
  }) as T
}
