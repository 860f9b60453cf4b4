/** FNV-1a 32-bit with a murmur3 finaliser: sequential keys ("user-1", "user-2") still spread evenly. */
export function hashKey(key: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/** Deterministic: the same key always lands on the same side, so a user sees one model. */
export function routesToChallenger(key: string, percent: number): boolean {
  return hashKey(key) % 10_000 < Math.round(percent * 100)
}
