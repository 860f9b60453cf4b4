const encoder = new TextEncoder()

export async function sha256Bytes(data: string | ArrayBuffer | Uint8Array): Promise<Uint8Array> {
  const bytes = typeof data === 'string' ? encoder.encode(data) : data
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))
}

export async function sha256Hex(data: string | ArrayBuffer | Uint8Array): Promise<string> {
  return toHex(await sha256Bytes(data))
}

export function toHex(bytes: Uint8Array): string {
  let out = ''
  for (const b of bytes) out += b.toString(16).padStart(2, '0')
  return out
}

function fromHex(hex: string): Uint8Array | null {
  if (!/^[0-9a-f]{64}$/i.test(hex)) return null
  const out = new Uint8Array(32)
  for (let i = 0; i < 32; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16)
  return out
}

/**
 * Whether the presented key hashes to one of the configured sha256 hashes (comma list). Digests of equal
 * length are compared in constant time and every hash is checked, so timing reveals neither which one matched.
 */
export async function keyMatches(presented: string, hashesCsv: string | undefined): Promise<boolean> {
  return digestMatches(await sha256Bytes(presented), hashesCsv)
}

/** keyMatches for a key already hashed (sha256Bytes): a request checks one key against several lists. */
export function digestMatches(digest: Uint8Array, hashesCsv: string | undefined): boolean {
  let matched = false
  for (const hex of parseHashes(hashesCsv)) {
    const expected = fromHex(hex)
    if (expected && crypto.subtle.timingSafeEqual(digest, expected)) matched = true
  }
  return matched
}

export function parseHashes(hashesCsv: string | undefined): string[] {
  return (hashesCsv ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean)
}
