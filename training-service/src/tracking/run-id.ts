import { randomBytes } from 'node:crypto'

let lastMs = -1
let counter = 0

/**
 * A UUIDv7 (RFC 9562): 48-bit Unix milliseconds, then a 12-bit counter that restarts at a random value each
 * millisecond (method 1), then random bits. Ids made by one process sort in the order they were made, so runs
 * started within the same millisecond still list in order by (startedAt, id).
 */
export function newRunId(now = Date.now()): string {
  if (now > lastMs) {
    lastMs = now
    counter = randomBytes(2).readUInt16BE() & 0x7ff // leave headroom so a burst in one millisecond does not overflow
  } else if (++counter > 0xfff) {
    // more than 2048 ids in one millisecond, or the clock went back: borrow the next millisecond
    lastMs += 1
    counter = 0
  }
  const bytes = randomBytes(16)
  bytes.writeUIntBE(lastMs, 0, 6)
  bytes[6] = 0x70 | (counter >> 8)
  bytes[7] = counter & 0xff
  bytes[8] = 0x80 | (bytes[8] & 0x3f)
  const hex = bytes.toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}
