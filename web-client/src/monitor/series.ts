/** Pure transforms from the monitoring API's records to chart columns (x first) and table rows. */
import type { NumericHistogram } from '@tarmac/sdk/drift'
import type { DriftRecord, PerformanceRecord, Timeseries } from './api.ts'
import { formatInstant } from './range.ts'

export type Column = (number | null)[]

/** Chart data: `columns[0]` is x (seconds for time axes), then one column per series; `rows` is the table alternative. */
export interface Series {
  columns: Column[]
  rows: string[][]
}

type VersionSeries = Timeseries['versions'][number]

const seconds = (iso: string) => Date.parse(iso) / 1000
const fixed = (x: number | null, digits: number) => (x === null ? '–' : x.toFixed(digits))
const byTime =
  <T>(key: (t: T) => string) =>
  (a: T, b: T) =>
    Date.parse(key(a)) - Date.parse(key(b))

/** Rows scored and rows failed per hour. */
export function volumeSeries(v: VersionSeries): Series {
  return {
    columns: [v.hours.map((h) => seconds(h.hour)), v.hours.map((h) => h.count), v.hours.map((h) => h.errors)],
    rows: v.hours.map((h) => [formatInstant(Date.parse(h.hour)), String(h.count), String(h.errors)]),
  }
}

export function latencySeries(v: VersionSeries): Series {
  return {
    columns: [v.hours.map((h) => seconds(h.hour)), v.hours.map((h) => h.latencyP50), v.hours.map((h) => h.latencyP99)],
    rows: v.hours.map((h) => [formatInstant(Date.parse(h.hour)), fixed(h.latencyP50, 1), fixed(h.latencyP99, 1)]),
  }
}

/** Bin i of edges e: [e[i-1], e[i]), the first and last bins open. */
export function binLabel(edges: readonly number[], i: number): string {
  if (edges.length === 0) return 'all'
  if (i === 0) return `< ${edges[0].toFixed(3)}`
  if (i >= edges.length) return `≥ ${edges[edges.length - 1].toFixed(3)}`
  return `${edges[i - 1].toFixed(3)}–${edges[i].toFixed(3)}`
}

const shares = (counts: readonly number[]) => {
  const total = counts.reduce((a, b) => a + b, 0)
  return counts.map((c) => (total > 0 ? c / total : 0))
}

/**
 * Share of predictions per reference bin: the range's counts summed over its hours against the
 * reference (null when no alias serves this version, so its reference is not published).
 */
export function distributionSeries(v: VersionSeries, reference: NumericHistogram | null): Series & { labels: string[] } {
  const bins = Math.max(v.predictionEdges.length + 1, ...v.hours.map((h) => h.predictionCounts.length))
  const current = shares(Array.from({ length: bins }, (_, i) => v.hours.reduce((sum, h) => sum + (h.predictionCounts[i] ?? 0), 0)))
  const ref = reference ? shares(reference.counts) : current.map(() => null)
  const labels = current.map((_, i) => binLabel(v.predictionEdges, i))
  const pct = (x: number | null) => (x === null ? '–' : `${(x * 100).toFixed(1)} %`)
  return {
    labels,
    columns: [current.map((_, i) => i), ref, current],
    rows: labels.map((label, i) => [label, pct(ref[i]), pct(current[i])]),
  }
}

export interface FeatureDriftSeries extends Series {
  feature: string
  method: string
  /** what is plotted: drift when a p-value falls below the threshold, or a statistic reaches it */
  thresholdOn: 'pValue' | 'statistic'
  drifted: number
  windows: number
}

/** Per feature (the prediction last), its statistic or p-value per window against its threshold, oldest window first. */
export function driftSeries(records: readonly DriftRecord[]): FeatureDriftSeries[] {
  const sorted = [...records].sort(byTime((r) => r.windowEnd))
  const names = [...new Set(sorted.flatMap((r) => r.report.features.map((f) => f.feature))), 'prediction']
  return names.map((feature) => {
    const points = sorted.flatMap((r) => {
      const f = feature === 'prediction' ? r.report.prediction : r.report.features.find((x) => x.feature === feature)
      return f ? [{ end: r.windowEnd, f }] : []
    })
    const last = points[points.length - 1].f
    const value = (p: (typeof points)[number]) => (p.f.thresholdOn === 'pValue' ? (p.f.pValue ?? null) : p.f.statistic)
    return {
      feature,
      method: last.method,
      thresholdOn: last.thresholdOn,
      drifted: points.filter((p) => p.f.drifted).length,
      windows: points.length,
      columns: [points.map((p) => seconds(p.end)), points.map(value), points.map((p) => p.f.threshold)],
      rows: points.map((p) => [
        formatInstant(Date.parse(p.end)),
        p.f.method,
        fixed(value(p), 4),
        fixed(p.f.threshold, 4),
        p.f.drifted ? 'drifted' : 'ok',
      ]),
    }
  })
}

/** Realized AUC (labelled outcomes), CBPE-estimated AUC and the manifest's val_auc per window, oldest first. */
export function performanceSeries(records: readonly PerformanceRecord[]): Series {
  const sorted = [...records].sort(byTime((r) => r.windowEnd))
  return {
    columns: [
      sorted.map((r) => seconds(r.windowEnd)),
      sorted.map((r) => r.realized.auc),
      sorted.map((r) => r.estimated.auc),
      sorted.map((r) => r.baselineAuc),
    ],
    rows: sorted.map((r) => [
      formatInstant(Date.parse(r.windowEnd)),
      fixed(r.realized.auc, 3),
      String(r.realized.labels),
      fixed(r.estimated.auc, 3),
      fixed(r.baselineAuc, 3),
    ]),
  }
}

/**
 * Expected calibration error per window (labelled outcomes, 10 equal-width probability bins) and its noise floor
 * (what a perfectly calibrated model would show on the same predictions), oldest first.
 */
export function calibrationSeries(records: readonly PerformanceRecord[]): Series {
  const sorted = [...records].sort(byTime((r) => r.windowEnd))
  return {
    columns: [sorted.map((r) => seconds(r.windowEnd)), sorted.map((r) => r.realized.ece), sorted.map((r) => r.realized.eceNoiseFloor)],
    rows: sorted.map((r) => [
      formatInstant(Date.parse(r.windowEnd)),
      fixed(r.realized.ece, 4),
      fixed(r.realized.eceNoiseFloor, 4),
      String(r.realized.labels),
    ]),
  }
}
