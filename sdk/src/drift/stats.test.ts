import { describe, expect, it } from 'vitest'
import fixtures from './fixtures/fixtures.json'
import { quantileEdges } from './profile.ts'
import { gammaincc, kolmogorovSf } from './special.ts'
import { chiSquareTest, hellinger, jensenShannon, ksTest, psi, wasserstein, zTest } from './stats.ts'

/** ≤ 1e-9 relative, or 1e-15 absolute around an exact zero. */
function close(actual: number, expected: number): void {
  const tolerance = 1e-9 * Math.abs(expected) + 1e-15
  if (!(Math.abs(actual - expected) <= tolerance)) expect.fail(`${actual} is not within ${tolerance} of ${expected}`)
}

describe('special functions against scipy', () => {
  it('gammaincc matches scipy.special.gammaincc', () => {
    for (const { a, x, q } of fixtures.gammaincc) close(gammaincc(a, x), q)
  })
  it('kolmogorovSf matches scipy.stats.kstwobign.sf on both sides of the series switch', () => {
    for (const k of fixtures.kolmogorov) close(kolmogorovSf(k.lambda), k.sf)
  })
})

describe.each(fixtures.cases)('$name', (c) => {
  const { reference: r, current: cur } = c
  it('PSI matches the numpy formula with Evidently zero fill', () => close(psi(r, cur), c.psi))
  it('Jensen–Shannon matches scipy (base 2 and natural)', () => {
    close(jensenShannon(r, cur), c.js2)
    close(jensenShannon(r, cur, Math.E), c.jsE)
  })
  it('Hellinger matches numpy', () => close(hellinger(r, cur), c.hellinger))
  it('KS statistic matches ks_2samp on the expanded samples, p-value the Kolmogorov tail', () => {
    const ks = ksTest(r, cur)
    close(ks.statistic, c.ks.statistic)
    close(ks.pValue, c.ks.pValue)
  })
  it('chi-square matches chi2_contingency without correction', () => {
    const chi = chiSquareTest(r, cur)
    close(chi.statistic, c.chisquare.statistic)
    close(chi.pValue, c.chisquare.pValue)
    expect(chi.dof).toBe(c.chisquare.dof)
  })
})

type ZCase = { name: string; reference: number[]; current: number[]; z: { statistic: number; pValue: number } }
type WCase = {
  name: string
  reference: number[]
  current: number[]
  edges: number[]
  wasserstein: { distance: number; referenceStd: number; statistic: number }
}

describe.each(fixtures.cases.filter((c) => 'z' in c) as ZCase[])('$name, two categories', (c) => {
  it('z-test matches the pooled two-proportion z and 2·norm.sf', () => {
    const z = zTest(c.reference, c.current)
    close(z.statistic, c.z.statistic)
    close(z.pValue, c.z.pValue)
  })
})

describe.each(fixtures.cases.filter((c) => 'edges' in c) as WCase[])('$name, numeric', (c) => {
  it('Wasserstein matches scipy.stats.wasserstein_distance on bin representatives', () => {
    const w = wasserstein(c.edges, c.reference, c.current)
    close(w.distance, c.wasserstein.distance)
    close(w.referenceStd, c.wasserstein.referenceStd)
    close(w.statistic, c.wasserstein.statistic)
  })
})

describe('quantile edges', () => {
  it('match np.unique(np.quantile(...)) on tied data (numpy interpolates in another order: last-ulp differences)', () => {
    for (const fit of fixtures.quantiles.fits) {
      const edges = quantileEdges(fixtures.quantiles.values, fit.bins)
      expect(edges).toHaveLength(fit.edges.length)
      edges.forEach((e, i) => {
        close(e, fit.edges[i])
      })
    }
  })
})

describe('input checks', () => {
  it('rejects histograms of different lengths and empty histograms', () => {
    expect(() => psi([1, 2], [1, 2, 3])).toThrow(/same bins/)
    expect(() => ksTest([0, 0], [1, 2])).toThrow(/empty/)
    expect(() => zTest([1, 2, 3], [1, 2, 3])).toThrow(/two categories/)
  })
})
