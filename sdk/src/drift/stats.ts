/**
 * Two-sample statistics on two histograms over the same bins (reference first, current second).
 * Counts are per bin; for numeric histograms the bins are ordered.
 */
import { chiSquareSf, kolmogorovSf, normalTwoSided } from './special.ts'

export interface TestResult {
  statistic: number
  pValue: number
}

function totals(reference: ArrayLike<number>, current: ArrayLike<number>): [number, number] {
  if (reference.length !== current.length) {
    throw new Error(`histograms have ${reference.length} and ${current.length} bins; they must be counted on the same bins`)
  }
  let r = 0
  let c = 0
  for (let i = 0; i < reference.length; i++) {
    r += reference[i]
    c += current[i]
  }
  if (!(r > 0) || !(c > 0)) throw new Error('cannot compare an empty histogram')
  return [r, c]
}

/**
 * Evidently's zero fill: an empty bin gets 1e-4 of the mass, or a millionth of the smallest
 * non-empty share when that share is itself ≤ 1e-4, so log(p/q) stays finite.
 */
function filledShares(counts: ArrayLike<number>, total: number): Float64Array {
  const shares = new Float64Array(counts.length)
  let smallest = Number.POSITIVE_INFINITY
  for (let i = 0; i < counts.length; i++) {
    shares[i] = counts[i] / total
    if (shares[i] > 0 && shares[i] < smallest) smallest = shares[i]
  }
  const fill = smallest <= 1e-4 ? smallest / 1e6 : 1e-4
  for (let i = 0; i < shares.length; i++) if (shares[i] === 0) shares[i] = fill
  return shares
}

/** Population stability index Σ (r − c)·ln(r / c) over bin shares, empty bins zero-filled as Evidently does. */
export function psi(reference: ArrayLike<number>, current: ArrayLike<number>): number {
  const [nr, nc] = totals(reference, current)
  const r = filledShares(reference, nr)
  const c = filledShares(current, nc)
  let sum = 0
  for (let i = 0; i < r.length; i++) sum += (r[i] - c[i]) * Math.log(r[i] / c[i])
  return sum
}

/** Jensen–Shannon distance (square root of the divergence), as scipy.spatial.distance.jensenshannon(p, q, base). */
export function jensenShannon(reference: ArrayLike<number>, current: ArrayLike<number>, base = 2): number {
  const [nr, nc] = totals(reference, current)
  let sum = 0
  for (let i = 0; i < reference.length; i++) {
    const p = reference[i] / nr
    const q = current[i] / nc
    const m = (p + q) / 2
    if (p > 0) sum += p * Math.log(p / m)
    if (q > 0) sum += q * Math.log(q / m)
  }
  return Math.sqrt(Math.max(0, sum / 2 / Math.log(base)))
}

/** Hellinger distance in [0, 1]: ‖√p − √q‖₂ / √2. */
export function hellinger(reference: ArrayLike<number>, current: ArrayLike<number>): number {
  const [nr, nc] = totals(reference, current)
  let sum = 0
  for (let i = 0; i < reference.length; i++) {
    const d = Math.sqrt(reference[i] / nr) - Math.sqrt(current[i] / nc)
    sum += d * d
  }
  return Math.sqrt(sum / 2)
}

/**
 * Two-sample Kolmogorov–Smirnov on binned data: D is the largest gap between the two CDFs at the bin
 * edges (exactly ks_2samp's D when every value of a bin is the same), and the p-value is the asymptotic
 * Kolmogorov tail at √(n·m/(n+m))·D. Binning can only hide gaps, so D is a lower bound of the raw-data D.
 */
export function ksTest(reference: ArrayLike<number>, current: ArrayLike<number>): TestResult {
  const [nr, nc] = totals(reference, current)
  let cr = 0
  let cc = 0
  let d = 0
  for (let i = 0; i < reference.length; i++) {
    cr += reference[i]
    cc += current[i]
    d = Math.max(d, Math.abs(cr / nr - cc / nc))
  }
  return { statistic: d, pValue: kolmogorovSf(Math.sqrt((nr * nc) / (nr + nc)) * d) }
}

/**
 * Chi-square test of homogeneity on the 2×k table reference/current × bin (scipy.stats.chi2_contingency,
 * no continuity correction). Bins empty in both are dropped. Unlike a goodness-of-fit test against the
 * reference shares, a category new in current gives a finite statistic.
 */
export function chiSquareTest(reference: ArrayLike<number>, current: ArrayLike<number>): TestResult & { dof: number } {
  const [nr, nc] = totals(reference, current)
  const n = nr + nc
  let statistic = 0
  let bins = 0
  for (let i = 0; i < reference.length; i++) {
    const column = reference[i] + current[i]
    if (column === 0) continue
    bins++
    const er = (column * nr) / n
    const ec = (column * nc) / n
    statistic += (reference[i] - er) ** 2 / er + (current[i] - ec) ** 2 / ec
  }
  const dof = bins - 1
  return { statistic, pValue: dof > 0 ? chiSquareSf(statistic, dof) : 1, dof }
}

/**
 * Two-proportion z-test (pooled variance) for a feature with at most two non-empty bins, Evidently's
 * default for binary categoricals on small data. One value everywhere → z = 0, p = 1.
 */
export function zTest(reference: ArrayLike<number>, current: ArrayLike<number>): TestResult {
  const [nr, nc] = totals(reference, current)
  const used: number[] = []
  for (let i = 0; i < reference.length; i++) if (reference[i] + current[i] > 0) used.push(i)
  if (used.length > 2) throw new Error(`the z-test compares two categories, this histogram has ${used.length} non-empty bins`)
  if (used.length < 2) return { statistic: 0, pValue: 1 }
  const p1 = reference[used[0]] / nr
  const p2 = current[used[0]] / nc
  const pooled = (reference[used[0]] + current[used[0]]) / (nr + nc)
  const z = (p1 - p2) / Math.sqrt(pooled * (1 - pooled) * (1 / nr + 1 / nc))
  return { statistic: z, pValue: normalTwoSided(z) }
}

/**
 * Value standing for each bin of a numeric histogram: the midpoint; the open first and last bins are
 * given the width of their closed neighbour (width 1 when there is no closed bin).
 */
export function binRepresentatives(edges: readonly number[]): Float64Array {
  const k = edges.length
  const out = new Float64Array(k + 1)
  if (k === 0) return out
  const first = k > 1 ? edges[1] - edges[0] : 1
  const last = k > 1 ? edges[k - 1] - edges[k - 2] : 1
  out[0] = edges[0] - first / 2
  for (let i = 1; i < k; i++) out[i] = (edges[i - 1] + edges[i]) / 2
  out[k] = edges[k - 1] + last / 2
  return out
}

export interface WassersteinResult {
  /** first Wasserstein distance between the binned distributions, in the feature's units */
  distance: number
  /** standard deviation of the binned reference */
  referenceStd: number
  /** distance / max(referenceStd, 0.001): Evidently's "Wasserstein distance (normed)" */
  statistic: number
}

/** Wasserstein-1 distance with every value moved to its bin representative (see binRepresentatives). */
export function wasserstein(edges: readonly number[], reference: ArrayLike<number>, current: ArrayLike<number>): WassersteinResult {
  if (reference.length !== edges.length + 1)
    throw new Error(`${edges.length} edges need ${edges.length + 1} counts, got ${reference.length}`)
  const [nr, nc] = totals(reference, current)
  const x = binRepresentatives(edges)
  let mean = 0
  for (let i = 0; i < x.length; i++) mean += (reference[i] / nr) * x[i]
  let variance = 0
  for (let i = 0; i < x.length; i++) variance += (reference[i] / nr) * (x[i] - mean) ** 2
  let cr = 0
  let cc = 0
  let distance = 0
  for (let i = 0; i < x.length - 1; i++) {
    cr += reference[i]
    cc += current[i]
    distance += Math.abs(cr / nr - cc / nc) * (x[i + 1] - x[i])
  }
  const referenceStd = Math.sqrt(variance)
  return { distance, referenceStd, statistic: distance / Math.max(referenceStd, 0.001) }
}
