import { describe, expect, it } from 'vitest'
import type { DriftRecord, PerformanceRecord, Timeseries } from '../src/monitor/api.ts'
import { mergeTimeseries } from '../src/monitor/api.ts'
import { dataRange, parseInstant, splitRange } from '../src/monitor/range.ts'
import { binLabel, calibrationSeries, distributionSeries, driftSeries } from '../src/monitor/series.ts'

const H = 3_600_000
const DAY = 24 * H
const T0 = Date.UTC(2001, 3, 1)

const hour = (at: number, count: number, predictionCounts: number[]) => ({
  hour: new Date(at).toISOString(),
  count,
  errors: 0,
  latencyP50: 3,
  latencyP99: 9,
  meanProbability: 0.2,
  predictionCounts,
  labels: 0,
  realizedAuc: null,
  ece: null,
})

function feature(name: string, statistic: number, drifted: boolean) {
  return {
    feature: name,
    kind: 'numeric' as const,
    method: 'wasserstein' as const,
    statistic,
    threshold: 0.1,
    thresholdOn: 'statistic' as const,
    thresholdSource: 'default' as const,
    drifted,
  }
}

function report(day: number, distance: number): DriftRecord {
  const iso = (ms: number) => new Date(ms).toISOString()
  const features = [feature('distance', distance, distance >= 0.1), feature('departure_hour', 0.02, false)]
  return {
    model: 'm',
    version: 1,
    windowStart: iso(T0 + day * DAY),
    windowEnd: iso(T0 + (day + 1) * DAY),
    createdAt: iso(T0),
    report: {
      features,
      prediction: feature('prediction', 0.05, false),
      datasetDrift: false,
      driftedShare: 0.5,
      referenceCount: 10,
      currentCount: 10,
    },
  }
}

describe('monitor data shaping', () => {
  it('reads datetime-local values as UTC and refuses garbage', () => {
    expect(parseInstant('2001-04-01T06:00')).toBe(T0 + 6 * H)
    expect(parseInstant('2001-04-01T06:00:00+02:00')).toBe(T0 + 4 * H)
    expect(parseInstant('soon')).toBeNull()
    expect(parseInstant(null)).toBeNull()
  })

  it('spans the stored windows, and splits a quarter into whole-hour pieces the Worker accepts', () => {
    expect(dataRange([report(2, 0), report(0, 0)])).toEqual({ from: T0, to: T0 + 3 * DAY })
    const pieces = splitRange({ from: T0 + 0.5 * H, to: T0 + 91 * DAY })
    expect(pieces.map((p) => (p.to - p.from) / DAY)).toEqual([31, 31, 29])
    expect(pieces[0].from).toBe(T0)
    for (let i = 1; i < pieces.length; i++) expect(pieces[i].from).toBe(pieces[i - 1].to)
  })

  it('merges the pieces per version, hours in order', () => {
    const part = (from: number, versions: Timeseries['versions']): Timeseries => ({
      model: 'm',
      from: new Date(from).toISOString(),
      to: new Date(from + DAY).toISOString(),
      versions,
    })
    const merged = mergeTimeseries([
      part(T0, [{ version: 2, predictionEdges: [0.5], hours: [hour(T0, 1, [1, 0])] }]),
      part(T0 + DAY, [
        { version: 1, predictionEdges: [0.5], hours: [hour(T0 + DAY, 2, [2, 0])] },
        { version: 2, predictionEdges: [0.5], hours: [hour(T0 + DAY, 3, [1, 2])] },
      ]),
    ])
    expect(merged.to).toBe(new Date(T0 + 2 * DAY).toISOString())
    expect(merged.versions.map((v) => [v.version, v.hours.map((h) => h.count)])).toEqual([
      [1, [2]],
      [2, [1, 3]],
    ])
  })

  it('compares the range with the reference share per bin', () => {
    const v = { version: 1, predictionEdges: [0.2, 0.5], hours: [hour(T0, 4, [1, 1, 0]), hour(T0 + H, 4, [0, 1, 1])] }
    const d = distributionSeries(v, { kind: 'numeric', edges: [0.2, 0.5], counts: [5, 3, 2] })
    expect(d.columns).toEqual([
      [0, 1, 2],
      [0.5, 0.3, 0.2],
      [0.25, 0.5, 0.25],
    ])
    expect(d.labels).toEqual([binLabel([0.2, 0.5], 0), '0.200–0.500', '≥ 0.500'])
    expect(distributionSeries(v, null).columns[1]).toEqual([null, null, null])
  })

  it('plots each feature per window, oldest first, and counts the drifted windows', () => {
    const [distance, hourOfDay, prediction] = driftSeries([report(2, 0.05), report(0, 0.02), report(1, 1.3)])
    expect(distance.feature).toBe('distance')
    expect(distance.columns[1]).toEqual([0.02, 1.3, 0.05])
    expect(distance.columns[2]).toEqual([0.1, 0.1, 0.1])
    expect([distance.drifted, distance.windows]).toEqual([1, 3])
    expect(hourOfDay.drifted).toBe(0)
    expect(prediction.feature).toBe('prediction')
  })

  it('plots the calibration error per window and its noise floor, oldest first, with its labels', () => {
    const record = (day: number, ece: number | null, eceNoiseFloor: number | null, labels: number): PerformanceRecord => ({
      model: 'm',
      version: 1,
      windowStart: new Date(T0 + day * DAY).toISOString(),
      windowEnd: new Date(T0 + (day + 1) * DAY).toISOString(),
      createdAt: new Date(T0).toISOString(),
      count: 100,
      realized: { labels, auc: null, logLoss: null, ece, eceNoiseFloor, calibration: [] },
      estimated: { auc: 0.7, accuracy: 0.8 },
      baselineAuc: 0.75,
      latencyMs: { p50: 1, p99: 2 },
      errorRate: 0,
    })
    const c = calibrationSeries([record(1, 0.0412, 0.0213, 800), record(0, null, null, 0)])
    expect(c.columns).toEqual([
      [(T0 + DAY) / 1000, (T0 + 2 * DAY) / 1000],
      [null, 0.0412],
      [null, 0.0213],
    ])
    expect(c.rows.map((r) => r.slice(1))).toEqual([
      ['–', '–', '0'],
      ['0.0412', '0.0213', '800'],
    ])
  })
})
