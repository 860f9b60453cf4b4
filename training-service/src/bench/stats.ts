/** Percentiles of a sample (nearest rank), for latency reports. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]
}

/** Runs `fn` `runs` times after `warmup` calls and returns per-call times in µs, sorted. */
export async function timeCalls(fn: () => unknown, runs: number, warmup = Math.min(100, runs)): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn()
  const times = new Array<number>(runs)
  for (let i = 0; i < runs; i++) {
    const t = performance.now()
    await fn()
    times[i] = (performance.now() - t) * 1000
  }
  return times.sort((a, b) => a - b)
}

/** Median of a small sample (the mean of the middle two when even). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

export const fmt = (x: number, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : '—')

/** One line of a bench table: a label, then aligned columns. */
export function row(label: string, ...cols: (string | number)[]): string {
  return `  ${label.padEnd(40)}${cols.map((c) => String(c).padStart(12)).join('  ')}`
}

/** Runs `work` over 0..n-1 with at most `limit` in flight. */
export async function pool(n: number, limit: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < n) await work(next++)
    }),
  )
}
