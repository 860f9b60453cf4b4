/**
 * Special functions behind the drift p-values, written out here because the SDK runs in workerd and
 * browsers with no numeric library. Accuracy target: ~1e-13 relative, checked against scipy in tests.
 */

const EPS = 1e-16
const TINY = 1e-300
const MAX_ITERATIONS = 10_000

// Lanczos approximation, g = 7, n = 9: ~15 significant digits for z > 0.
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
  -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
]

export function logGamma(z: number): number {
  if (z < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * z))) - logGamma(1 - z)
  const x = z - 1
  let sum = LANCZOS[0]
  for (let i = 1; i < LANCZOS.length; i++) sum += LANCZOS[i] / (x + i)
  const t = x + 7.5
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(sum)
}

/** Series for the regularized lower incomplete gamma P(a, x); converges fast for x < a + 1. */
function lowerSeries(a: number, x: number): number {
  let term = 1 / a
  let sum = term
  for (let n = 1; n < MAX_ITERATIONS; n++) {
    term *= x / (a + n)
    sum += term
    if (Math.abs(term) < Math.abs(sum) * EPS) break
  }
  return sum * Math.exp(-x + a * Math.log(x) - logGamma(a))
}

/** Continued fraction (modified Lentz) for the regularized upper incomplete gamma Q(a, x); for x ≥ a + 1. */
function upperFraction(a: number, x: number): number {
  let b = x + 1 - a
  let c = 1 / TINY
  let d = 1 / b
  let h = d
  for (let i = 1; i < MAX_ITERATIONS; i++) {
    const an = -i * (i - a)
    b += 2
    d = an * d + b
    if (Math.abs(d) < TINY) d = TINY
    c = b + an / c
    if (Math.abs(c) < TINY) c = TINY
    d = 1 / d
    const delta = d * c
    h *= delta
    if (Math.abs(delta - 1) < EPS) break
  }
  return Math.exp(-x + a * Math.log(x) - logGamma(a)) * h
}

/** Regularized upper incomplete gamma Q(a, x) = Γ(a, x) / Γ(a), as scipy.special.gammaincc. */
export function gammaincc(a: number, x: number): number {
  if (!(a > 0) || !(x >= 0)) return Number.NaN
  if (x === 0) return 1
  if (x === Number.POSITIVE_INFINITY) return 0
  return x < a + 1 ? 1 - lowerSeries(a, x) : upperFraction(a, x)
}

/** Upper tail of the chi-square distribution with `dof` degrees of freedom. */
export function chiSquareSf(statistic: number, dof: number): number {
  return gammaincc(dof / 2, statistic / 2)
}

/** Two-sided normal tail 2·(1 − Φ(|z|)) = erfc(|z|/√2) = Q(1/2, z²/2). */
export function normalTwoSided(z: number): number {
  return gammaincc(0.5, (z * z) / 2)
}

/**
 * Survival function of the limiting Kolmogorov distribution, P(K > λ) (scipy.stats.kstwobign.sf).
 * The alternating series converges fast for large λ; for small λ the Jacobi-theta form of the CDF does.
 */
export function kolmogorovSf(lambda: number): number {
  if (!(lambda > 0)) return 1
  if (lambda < 1.18) {
    const w = (Math.PI * Math.PI) / (8 * lambda * lambda)
    let sum = 0
    for (let j = 1; j < 100; j += 2) {
      const term = Math.exp(-j * j * w)
      sum += term
      if (term < sum * EPS) break
    }
    return 1 - (Math.sqrt(2 * Math.PI) / lambda) * sum
  }
  let sum = 0
  for (let k = 1; k < 100; k++) {
    const term = Math.exp(-2 * k * k * lambda * lambda)
    sum += k % 2 === 1 ? term : -term
    if (term < Math.abs(sum) * EPS) break
  }
  return 2 * sum
}
