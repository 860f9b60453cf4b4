import { describe, expect, it } from 'vitest'
import { encodeFlights, type Flight, fromInstance, NUMERIC_FEATURES } from './encoder.ts'
import { encodeTrainingRows, fitEncoder, foldOf } from './fit.ts'
import { cellKeys, departureEpochMs, departureParts } from './keys.ts'
import { fieldIssues, flightInstanceSchema } from './schema.ts'

const at = (iso: string) => departureEpochMs(iso)
const flight = (origin: string, destination: string, iso: string, distance = 400): Flight => ({
  origin,
  destination,
  departureMs: at(iso),
  distance,
})
const col = (name: string) => NUMERIC_FEATURES.indexOf(name)

describe('departure parts and cell keys', () => {
  it('reads the departure as local wall clock and ignores any offset', () => {
    expect(departureParts(at('2001-04-02T07:15:00Z'))).toEqual({ minuteOfDay: 435, hour: 7, dayOfWeek: 0 })
    expect(at('2001-04-02T07:15:00-07:00')).toBe(at('2001-04-02T07:15:00Z'))
    expect(departureParts(at('2001-04-08T23:59'))).toEqual({ minuteOfDay: 1439, hour: 23, dayOfWeek: 6 })
    expect(Number.isNaN(at('April 2nd'))).toBe(true)
  })

  it('names every cell a flight belongs to', () => {
    expect(cellKeys('SFO', 'LAX', departureParts(at('2001-04-02T07:15')))).toEqual({
      origin: 'SFO',
      destination: 'LAX',
      route: 'SFO-LAX',
      origin_hour: 'SFO@07',
      destination_hour: 'LAX@07',
      route_hour: 'SFO-LAX@07',
      flight: 'SFO-LAX@435',
      slot: '',
    })
    expect(cellKeys('SFO', 'LAX', departureParts(at('2001-04-02T07:15')), 425).slot).toBe('SFO-LAX@425')
  })
})

describe('encoder', () => {
  // Two origins; SFO flights at 07:15 are late 3 times in 4, ORD at 09:00 never. 2001-01-01 is a Monday.
  const rows = [
    flight('SFO', 'LAX', '2001-01-01T07:15'),
    flight('SFO', 'LAX', '2001-01-07T07:15'),
    flight('SFO', 'LAX', '2001-01-08T07:15'),
    flight('SFO', 'LAX', '2001-01-16T07:15'),
    flight('ORD', 'LAX', '2001-01-01T09:00', 1700),
    flight('ORD', 'LAX', '2001-01-09T09:00', 1700),
  ]
  const labels = [1, 1, 1, 0, 0, 0]
  const fitted = fitEncoder(rows, labels, { smoothing: 2, minAirportCount: 1, minCellCount: 1, folds: 2 })

  it('computes smoothed rates down the cell hierarchy, as logits, from the spec alone', () => {
    const { numeric, origin, destination } = encodeFlights([flight('SFO', 'LAX', '2001-04-02T07:15')], fitted.spec)
    const global = 3 / 6
    const originRate = (3 + 2 * global) / (4 + 2)
    const routeRate = (3 + 2 * originRate) / (4 + 2)
    const logit = (p: number) => Math.log(p / (1 - p))
    expect(numeric[col('origin_rate_logit')]).toBeCloseTo(logit(originRate), 6)
    expect(numeric[col('route_rate_logit')]).toBeCloseTo(logit(routeRate), 6)
    expect(numeric[col('origin_log_count')]).toBeCloseTo(Math.log1p(4) / 10, 6)
    expect(numeric[col('day_of_week_0')]).toBe(1)
    expect(numeric[col('departure_sin')]).toBeCloseTo(Math.sin((2 * Math.PI * 435) / 1440), 6)
    const logs = [400, 400, 400, 400, 1700, 1700].map(Math.log)
    const mean = logs.reduce((a, b) => a + b) / 6
    const std = Math.sqrt(logs.reduce((a, b) => a + (b - mean) ** 2, 0) / 6)
    expect(numeric[col('log_distance_z')]).toBeCloseTo((Math.log(400) - mean) / std, 5)
    expect([origin[0], destination[0]]).toEqual([fitted.spec.airports.indexOf('SFO'), fitted.spec.airports.indexOf('LAX')])
  })

  it('maps an unknown airport to the out-of-vocabulary index and the prior rates, never a crash', () => {
    const { numeric, origin } = encodeFlights([flight('XYZ', 'LAX', '2001-04-02T13:00')], fitted.spec)
    expect(origin[0]).toBe(0)
    expect(numeric[col('origin_rate_logit')]).toBeCloseTo(0, 6) // global rate 0.5
    expect(numeric[col('origin_log_count')]).toBe(0)
  })

  it('folds by week, Monday to Sunday, whatever the row order', () => {
    expect(rows.map((f) => foldOf(f.departureMs, 2))).toEqual([0, 0, 1, 0, 0, 1])
    expect(foldOf(at('2000-12-31T23:59'), 2)).toBe(1)
  })

  it('encodes training rows out of fold: a row never sees a label from its own week', () => {
    const train = encodeTrainingRows(fitted, rows)
    const weekOf = (f: Flight) => foldOf(f.departureMs, 2)
    for (let r = 0; r < rows.length; r++) {
      // ORD rows are all 0 and SFO's differ: recompute the origin rate from the other fold's weeks only
      const others = rows.map((_, i) => i).filter((i) => rows[i].origin === rows[r].origin && weekOf(rows[i]) !== weekOf(rows[r]))
      const positives = others.reduce((a, i) => a + labels[i], 0)
      const rate = (positives + 2 * 0.5) / (others.length + 2)
      expect(train.numeric[r * NUMERIC_FEATURES.length + col('origin_rate_logit')]).toBeCloseTo(Math.log(rate / (1 - rate)), 5)
    }
  })

  it('encodes a sample of the fitted rows exactly as those rows encode in the full set', () => {
    const all = encodeTrainingRows(fitted, rows)
    const positions = [5, 0, 3]
    const sample = encodeTrainingRows(fitted, rows, positions)
    const w = NUMERIC_FEATURES.length
    positions.forEach((p, i) => {
      expect(Array.from(sample.numeric.subarray(i * w, (i + 1) * w))).toEqual(Array.from(all.numeric.subarray(p * w, (p + 1) * w)))
      expect(sample.origin[i]).toBe(all.origin[p])
    })
  })

  it('leaves rare cells out of the spec and out of training lookups alike', () => {
    const pruned = fitEncoder(rows, labels, { smoothing: 2, minAirportCount: 1, minCellCount: 3, folds: 2 })
    expect(Object.keys(pruned.spec.cells.origin)).toEqual(['SFO'])
    expect(pruned.lookup('origin', 'ORD', 4)).toBeUndefined()
    const served = encodeFlights([rows[4]], pruned.spec).numeric
    const trained = encodeTrainingRows(pruned, rows).numeric.subarray(4 * NUMERIC_FEATURES.length, 5 * NUMERIC_FEATURES.length)
    expect(trained[col('origin_rate_logit')]).toBe(served[col('origin_rate_logit')])
  })

  it('gives a request the same encoding as the equivalent data row', () => {
    const request = flightInstanceSchema.parse({ origin: 'SFO', destination: 'LAX', departedAt: '2001-01-01T07:15:00Z', distance: 400 })
    expect(encodeFlights([fromInstance(request)], fitted.spec)).toEqual(encodeFlights([rows[0]], fitted.spec))
  })
})

describe('request schema', () => {
  it('names each bad field once', () => {
    const r = flightInstanceSchema.safeParse({ origin: 'sfo', destination: 'LAX', departedAt: 'tomorrow', distance: -3 })
    expect(r.success).toBe(false)
    if (r.success) return
    expect(fieldIssues(r.error).map((i) => i.field)).toEqual(['origin', 'departedAt', 'distance'])
  })

  it('tells a client still sending the old `departure` field what it is called now', () => {
    const r = flightInstanceSchema.safeParse({ origin: 'SFO', destination: 'LAX', departure: '2001-01-01T07:15:00Z', distance: 400 })
    expect(r.success).toBe(false)
    if (r.success) return
    expect(fieldIssues(r.error)).toEqual([{ field: 'departedAt', message: expect.stringContaining('was called `departure`') }])
  })
})
