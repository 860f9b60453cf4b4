import { NUMERIC_FEATURES } from '../features/encoder.ts'
import { CELL_NAMES } from '../features/keys.ts'

/** sha256 as lower-case hex, with WebCrypto so it runs the same in Node, workerd and browsers. */
export async function sha256Hex(data: Uint8Array | string): Promise<string> {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>)
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('')
}

/** Identifies the encoder's output layout: a model only runs behind an encoder with the same hash. */
export function featureSchemaHash(): Promise<string> {
  return sha256Hex(JSON.stringify({ encoder: 1, numeric: NUMERIC_FEATURES, cells: CELL_NAMES, embedded: ['origin', 'destination'] }))
}
