import { describe, expect, it } from 'vitest'
import { detectDrift, driftReportSchema } from './detect.ts'
import { AIRPORTS, sampleFlights } from './fixtures/synthetic.ts'
import { fitReferenceProfileSpec, mergeProfiles, profileFlights } from './profile.ts'

const reference = sampleFlights({ seed: 1, n: 20_000 })
const spec = fitReferenceProfileSpec(reference.flights, reference.predictions)
const referenceProfile = profileFlights(reference.flights, reference.predictions, spec)

function profile(options: Parameters<typeof sampleFlights>[0]) {
  const s = sampleFlights(options)
  return profileFlights(s.flights, s.predictions, spec)
}

const drifted = (report: ReturnType<typeof detectDrift>) => report.features.filter((f) => f.drifted).map((f) => f.feature)

describe('detectDrift with Evidently defaults', () => {
  it('finds no drift between samples of the same distribution', () => {
    const report = detectDrift(referenceProfile, profile({ seed: 2, n: 5_000 }))
    expect(drifted(report)).toEqual([])
    expect(report.prediction.drifted).toBe(false)
    expect(report.datasetDrift).toBe(false)
    expect(report.features.map((f) => f.method)).toEqual(['jensenshannon', 'jensenshannon', 'wasserstein', 'jensenshannon', 'wasserstein'])
    expect(driftReportSchema.parse(report)).toEqual(report)
  })

  it('flags only the distance when distances are shifted', () => {
    const report = detectDrift(referenceProfile, profile({ seed: 3, n: 5_000, distanceScale: 1.3 }))
    expect(drifted(report)).toEqual(['distance'])
    expect(report.prediction.drifted).toBe(false)
    expect(report.driftedShare).toBe(0.2)
    expect(report.datasetDrift).toBe(false)
  })

  it('flags the origin when the busiest airport disappears', () => {
    const report = detectDrift(referenceProfile, profile({ seed: 4, n: 5_000, withoutOrigins: [AIRPORTS[0]] }))
    expect(drifted(report)).toEqual(['origin'])
  })

  it('declares dataset drift from the configured share of drifted features', () => {
    const current = profile({ seed: 5, n: 5_000, distanceScale: 1.3, withoutOrigins: [AIRPORTS[0]] })
    expect(detectDrift(referenceProfile, current).datasetDrift).toBe(false)
    expect(detectDrift(referenceProfile, current, { driftShare: 0.4 }).datasetDrift).toBe(true)
  })

  it('uses the p-value tests on small references, the z-test for two values', () => {
    const small = profile({ seed: 6, n: 800 })
    const report = detectDrift(small, profile({ seed: 7, n: 800 }))
    expect(report.features.map((f) => [f.method, f.thresholdOn])).toEqual([
      ['chisquare', 'pValue'],
      ['chisquare', 'pValue'],
      ['ks', 'pValue'],
      ['chisquare', 'pValue'],
      ['ks', 'pValue'],
    ])
    // p-value tests flag ~5% of same-distribution comparisons by design: check the rate, not one draw
    let flagged = 0
    for (let seed = 100; seed < 140; seed += 2) {
      const r = detectDrift(profile({ seed, n: 800 }), profile({ seed: seed + 1, n: 800 }))
      expect(r.datasetDrift).toBe(false)
      flagged += drifted(r).length
    }
    expect(flagged / 100).toBeLessThanOrEqual(0.1)
    const binary = { kind: 'categorical' as const, categories: ['a', 'b'] }
    const two = (a: number, b: number) => ({
      count: a + b,
      features: { x: { ...binary, counts: [a, b, 0] } },
      prediction: referenceProfile.prediction,
    })
    const z = detectDrift(two(500, 500), two(350, 650)).features[0]
    expect(z).toMatchObject({ method: 'z', drifted: true })
    expect(z.pValue).toBeLessThan(1e-6)
  })

  it('applies per-feature overrides and rejects unknown features or bad methods', () => {
    const current = profile({ seed: 8, n: 5_000 })
    const report = detectDrift(referenceProfile, current, {
      features: { distance: { method: 'psi', threshold: 0.2 } },
      prediction: { method: 'ks' },
    })
    expect(report.features[4]).toMatchObject({ method: 'psi', threshold: 0.2, thresholdSource: 'override' })
    expect(report.prediction).toMatchObject({ method: 'ks', threshold: 0.05, thresholdOn: 'pValue' })
    expect(() => detectDrift(referenceProfile, current, { features: { altitude: {} } })).toThrow(/altitude/)
    expect(() => detectDrift(referenceProfile, current, { features: { origin: { method: 'ks' } } })).toThrow(/numeric/)
  })

  it('refuses profiles counted on different bins', () => {
    const other = fitReferenceProfileSpec(reference.flights.slice(0, 1_000), reference.predictions.subarray(0, 1_000))
    const current = profileFlights(reference.flights.slice(0, 1_000), reference.predictions.subarray(0, 1_000), other)
    expect(() => detectDrift(referenceProfile, current)).toThrow(/same reference spec/)
  })
})

describe('detectDrift with NannyML-style chunk thresholds', () => {
  const chunks = Array.from({ length: 10 }, (_, i) => {
    const n = 2_000
    const flights = reference.flights.slice(i * n, (i + 1) * n)
    return profileFlights(flights, reference.predictions.subarray(i * n, (i + 1) * n), spec)
  })

  it('learns thresholds from reference chunks', () => {
    expect(chunks.reduce(mergeProfiles)).toEqual(referenceProfile)
    const same = detectDrift(referenceProfile, profile({ seed: 9, n: 2_000 }), { referenceChunks: chunks })
    expect(same.features.every((f) => f.thresholdSource === 'reference-chunks' && f.threshold > 0)).toBe(true)
    expect(drifted(same)).toEqual([])
    const shifted = detectDrift(referenceProfile, profile({ seed: 10, n: 2_000, distanceScale: 1.1 }), { referenceChunks: chunks })
    expect(drifted(shifted)).toEqual(['distance'])
  })
})
