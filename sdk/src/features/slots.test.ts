import { describe, expect, it } from 'vitest'
import { servedSpec, syntheticFlights } from '../testing.ts'
import { encodeFlights, type Flight, NUMERIC_FEATURES } from './encoder.ts'
import { fitEncoder } from './fit.ts'
import { departureEpochMs } from './keys.ts'
import { fitSlots, latestSlot, SLOT_MAX_OFFSET, slotFinderOf } from './slots.ts'

const DAY = 86_400_000
/** SFO-LAX leaves at 07:15 and 18:40 every day of January, give or take two minutes; a few flights leave late. */
function january(): Flight[] {
  const out: Flight[] = []
  for (let day = 0; day < 31; day++) {
    for (const slot of [435, 1120]) {
      const minute = slot + ((day % 5) - 2)
      out.push({
        origin: 'SFO',
        destination: 'LAX',
        departureMs: departureEpochMs('2001-01-01T00:00') + day * DAY + minute * 60_000,
        distance: 337,
      })
    }
  }
  // a late departure at 08:05 on five days: too few to make a slot of its own
  for (let day = 0; day < 5; day++)
    out.push({ origin: 'SFO', destination: 'LAX', departureMs: departureEpochMs('2001-01-01T08:05') + day * DAY, distance: 337 })
  return out
}

describe('departure slots', () => {
  it('finds the minutes a route departs at, not the late departures around them', () => {
    // departures spread over 07:13–07:17 make a plateau of equal ±3-minute windows; the slot is its last minute
    expect(fitSlots(january()).sort()).toEqual(['SFO-LAX@1121', 'SFO-LAX@436'])
  })

  it('puts a flight in the latest slot at or before its minute + 3, at most five hours back', () => {
    const slots = [435, 1120]
    expect(latestSlot(slots, 433)).toBe(435) // two minutes early
    expect(latestSlot(slots, 431)).toBe(-1) // earlier than any slot's reach
    expect(latestSlot(slots, 485)).toBe(435) // 50 minutes late
    expect(latestSlot(slots, 435 + SLOT_MAX_OFFSET)).toBe(435)
    expect(latestSlot(slots, 436 + SLOT_MAX_OFFSET)).toBe(-1)
    expect(latestSlot(slots, 1400)).toBe(1120)
    const find = slotFinderOf(['SFO-LAX@1120', 'SFO-LAX@435'])
    expect(find('SFO-LAX', 485)).toBe(435)
    expect(find('LAX-SFO', 485)).toBe(-1)
  })

  it('encodes the hours since the slot and the slot’s own rate, the same from the JSON spec and the blob', async () => {
    const rows = january()
    const labels = rows.map((f) => (new Date(f.departureMs).getUTCHours() === 8 ? 1 : 0))
    const { spec } = fitEncoder(rows, labels, { minAirportCount: 1, minCellCount: 1 })
    expect(Object.keys(spec.cells.slot).sort()).toEqual(['SFO-LAX@1121', 'SFO-LAX@436'])
    // the 08:05 departures belong to the morning slot: its 36 flights hold all 5 late ones
    expect(spec.cells.slot['SFO-LAX@436']).toEqual([5, 36])
    const probe = [
      { origin: 'SFO', destination: 'LAX', departureMs: departureEpochMs('2001-02-01T08:05'), distance: 337 },
      { origin: 'SFO', destination: 'LAX', departureMs: departureEpochMs('2001-02-01T03:00'), distance: 337 },
      { origin: 'BOS', destination: 'LAX', departureMs: departureEpochMs('2001-02-01T08:05'), distance: 2611 },
    ]
    const { encoder: served } = await servedSpec(spec)
    await served.prepare(probe)
    const json = encodeFlights(probe, spec)
    expect(encodeFlights(probe, served).numeric).toEqual(json.numeric)
    const width = NUMERIC_FEATURES.length
    const value = (row: number, name: string) => json.numeric[row * width + NUMERIC_FEATURES.indexOf(name)]
    expect(value(0, 'slot_offset_hours')).toBeCloseTo(49 / 60, 6)
    expect(value(0, 'slot_none')).toBe(0)
    expect(value(0, 'slot_log_count')).toBeCloseTo(Math.log1p(36) / 10, 6)
    expect(value(1, 'slot_none')).toBe(1)
    expect(value(1, 'slot_offset_hours')).toBe(0)
    expect(value(1, 'slot_rate_logit')).toBe(value(1, 'route_rate_logit'))
    expect(value(2, 'slot_none')).toBe(1)
  })

  it('gives the blob’s in-place search the JSON finder’s answer for every route and minute', async () => {
    const { flights, labels } = syntheticFlights(10_000, 3)
    const { spec } = fitEncoder(flights, labels, { minAirportCount: 1 })
    expect(Object.keys(spec.cells.slot).length).toBeGreaterThan(50)
    const { encoder: served } = await servedSpec(spec)
    const routes = [...new Set(flights.map((f) => `${f.origin}-${f.destination}`)), 'XYZ-LAX', 'nonsense']
    await served.prepare(routes.map((r) => ({ origin: r.split('-')[0] })))
    const json = slotFinderOf(Object.keys(spec.cells.slot))
    let differing = 0
    for (const route of routes) for (let m = 0; m < 1440; m++) if (served.slotOf(route, m) !== json(route, m)) differing++
    expect(differing).toBe(0)
  })
})
