/** mulberry32: a small seeded PRNG, so every shuffle and sample in training is reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Fisher–Yates permutation of 0..n-1 from a seed. */
export function seededPermutation(n: number, seed: number): Uint32Array {
  const rand = seededRandom(seed)
  const p = new Uint32Array(n)
  for (let i = 0; i < n; i++) p[i] = i
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1))
    const t = p[i]
    p[i] = p[j]
    p[j] = t
  }
  return p
}

/** A seeded sample of k distinct indices of 0..n-1, in ascending order (k ≥ n returns all). */
export function seededSample(n: number, k: number, seed: number): Uint32Array {
  if (k >= n) return seededPermutation(n, seed).sort()
  return seededPermutation(n, seed).subarray(0, k).sort()
}
