import { describe, expect, it } from 'vitest'
import fixtures from './fixtures/fixtures.json'
import { AIRPORTS, sampleFlights } from './fixtures/synthetic.ts'
import { createProfiler, fitReferenceProfileSpec, mergeProfiles, profileFlights } from './profile.ts'
import { profileSchema, profileSpecSchema } from './profile-types.ts'

const reference = sampleFlights({ seed: 1, n: 20_000 })
const spec = fitReferenceProfileSpec(reference.flights, reference.predictions)

describe('fitReferenceProfileSpec', () => {
  it('fits the standard flight features', () => {
    expect(profileSpecSchema.parse(spec)).toEqual(spec)
    expect(Object.keys(spec.features)).toEqual(['origin', 'destination', 'departure_hour', 'day_of_week', 'distance'])
    const origin = spec.features.origin
    expect(origin.kind === 'categorical' && origin.categories).toHaveLength(50)
    expect(origin.kind === 'categorical' && origin.categories[0]).toBe(AIRPORTS[0])
    expect(spec.features.departure_hour).toEqual({ kind: 'numeric', edges: Array.from({ length: 23 }, (_, h) => h + 1) })
    expect(spec.features.distance.kind === 'numeric' && spec.features.distance.edges).toHaveLength(9)
    expect(spec.prediction.edges.length).toBeGreaterThan(10)
  })
})

describe('profiling', () => {
  it('counts into left-closed bins like np.searchsorted(side="right")', () => {
    for (const fit of fixtures.quantiles.fits) {
      const profiler = createProfiler({
        features: { x: { kind: 'numeric', edges: fit.edges } },
        prediction: { kind: 'numeric', edges: [] },
      })
      for (const v of fixtures.quantiles.values) profiler.add('x', v)
      expect(profiler.profile().features.x.counts).toEqual(fit.counts)
    }
  })

  it('profiles flights: hours, Monday-first weekdays, top airports and "other"', () => {
    const monday = Date.UTC(2024, 0, 1, 7, 30)
    const sunday = Date.UTC(2024, 0, 7, 23, 59)
    const flights = [
      { origin: AIRPORTS[0], destination: 'ZZZ', departureMs: monday, distance: 100 },
      { origin: AIRPORTS[0], destination: AIRPORTS[1], departureMs: sunday, distance: 5000 },
    ]
    const p = profileFlights(flights, [0.1, 0.9], spec)
    expect(p.count).toBe(2)
    expect(p.features.day_of_week.counts).toEqual([1, 0, 0, 0, 0, 0, 1, 0])
    expect(p.features.departure_hour.counts[7]).toBe(1)
    expect(p.features.departure_hour.counts[23]).toBe(1)
    expect(p.features.origin.counts[0]).toBe(2)
    expect(p.features.destination.counts.at(-1)).toBe(1) // ZZZ is "other"
    expect(p.features.distance.counts[0] + p.features.distance.counts.at(-1)!).toBe(2)
    expect(profileSchema.parse(p)).toEqual(p)
  })

  it('merging profiles of two halves equals profiling the whole', () => {
    const { flights, predictions } = reference
    const half = 7_000
    const merged = mergeProfiles(
      profileFlights(flights.slice(0, half), predictions.subarray(0, half), spec),
      profileFlights(flights.slice(half), predictions.subarray(half), spec),
    )
    expect(merged).toEqual(profileFlights(flights, predictions, spec))
  })

  it('refuses to merge profiles counted on different bins', () => {
    const a = profileFlights(reference.flights.slice(0, 100), reference.predictions.subarray(0, 100), spec)
    const other = fitReferenceProfileSpec(reference.flights.slice(0, 500), reference.predictions.subarray(0, 500))
    const b = profileFlights(reference.flights.slice(0, 100), reference.predictions.subarray(0, 100), other)
    expect(() => mergeProfiles(a, b)).toThrow(/feature "origin" has different categories/)
    const { origin: _, ...fewer } = a.features
    expect(() => mergeProfiles(a, { ...a, features: fewer })).toThrow(/origin present in only one/)
    expect(() => createProfiler(spec).add('altitude', 1)).toThrow(/"altitude" is not in the profile spec/)
  })
})
