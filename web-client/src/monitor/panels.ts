/** The dashboard's charts for one model version, from data already loaded. */
import type { NumericHistogram } from '@tarmac/sdk/drift'
import { byId } from '../dom.ts'
import type { AlertRecord, DriftRecord, PerformanceRecord, Timeseries } from './api.ts'
import { type Chart, COLORS, renderChart, renderEmpty } from './chart.ts'
import { renderDrift } from './drift.ts'
import { calibrationSeries, distributionSeries, driftSeries, latencySeries, performanceSeries, volumeSeries } from './series.ts'

export interface DashboardData {
  timeseries: Timeseries
  drift: DriftRecord[]
  performance: PerformanceRecord[]
  alerts: AlertRecord[]
  /** reference prediction histograms of the versions an alias serves */
  references: Map<number, NumericHistogram>
}

const MAIN_HEIGHT = 200

function hourly(data: DashboardData, version: number): Chart[] {
  const v = data.timeseries.versions.find((x) => x.version === version)
  const volumeHost = byId('volume', HTMLElement)
  const latencyHost = byId('latency', HTMLElement)
  const distributionHost = byId('distribution', HTMLElement)
  if (!v || v.hours.length === 0) {
    for (const [host, caption] of [
      [volumeHost, 'Predictions per hour'],
      [latencyHost, 'Serving latency'],
      [distributionHost, 'Predicted probability'],
    ] as const) {
      renderEmpty(host, caption, `No predictions of v${version} in this range.`)
    }
    return []
  }
  const total = v.hours.reduce((a, h) => a + h.count, 0)
  const errors = v.hours.reduce((a, h) => a + h.errors, 0)
  const failed = errors > 0 ? `, ${errors} failed (${((100 * errors) / (total + errors)).toFixed(1)} %)` : ''
  const reference = data.references.get(version) ?? null
  const distribution = distributionSeries(v, reference)
  return [
    renderChart(volumeHost, {
      caption: `Predictions per hour (UTC), ${total} in all${failed}`,
      summary: `Bar chart over ${v.hours.length} hours: predictions of v${version} per hour (${total} in all) next to rows that failed (${errors}).`,
      yLabel: 'rows',
      styles: [
        { label: 'predictions', color: COLORS.blue, kind: 'bars', align: -1 },
        { label: 'failed', color: COLORS.red, kind: 'bars', align: 1 },
      ],
      series: volumeSeries(v),
      head: ['hour (UTC)', 'predictions', 'failed'],
      height: MAIN_HEIGHT,
    }),
    renderChart(latencyHost, {
      caption: 'Serving latency per hour, p50 and p99 (ms, from latency histograms)',
      summary: `Line chart: median and 99th percentile latency of v${version} per hour.`,
      yLabel: 'ms',
      styles: [
        { label: 'p50', color: COLORS.blue, kind: 'line' },
        { label: 'p99', color: COLORS.orange, kind: 'line' },
      ],
      series: latencySeries(v),
      head: ['hour (UTC)', 'p50 ms', 'p99 ms'],
      height: MAIN_HEIGHT,
    }),
    renderChart(distributionHost, {
      caption: reference
        ? 'Predicted probability: share per reference bin, this range vs the reference'
        : `Predicted probability: share per bin (no alias serves v${version}, so its reference is not shown)`,
      summary: `Bar chart over ${distribution.labels.length} probability bins: share of predictions in the range${reference ? ' next to the reference' : ''}.`,
      yLabel: 'share',
      xLabels: distribution.labels,
      xLabel: 'predicted probability (bins start at)',
      styles: [
        { label: 'reference', color: COLORS.grey, kind: 'bars', align: -1 },
        { label: 'this range', color: COLORS.blue, kind: 'bars', align: 1 },
      ],
      series: distribution,
      head: ['probability bin', 'reference', 'this range'],
      height: MAIN_HEIGHT,
    }),
  ]
}

function performance(data: DashboardData, version: number): Chart[] {
  const host = byId('performance', HTMLElement)
  const calibrationHost = byId('calibration', HTMLElement)
  const windows = data.performance.filter((p) => p.version === version)
  if (windows.length === 0) {
    renderEmpty(host, 'AUC per monitoring window', `No performance windows of v${version} in this range.`)
    renderEmpty(calibrationHost, 'Calibration error per monitoring window', `No performance windows of v${version} in this range.`)
    return []
  }
  return [
    renderChart(host, {
      caption: 'AUC per monitoring window: realized (labelled outcomes) vs estimated (CBPE, no labels)',
      summary: `Line chart over ${windows.length} windows: realized AUC, CBPE-estimated AUC and the validation AUC of v${version}.`,
      yLabel: 'AUC',
      styles: [
        { label: 'realized', color: COLORS.green, kind: 'line' },
        { label: 'estimated', color: COLORS.purple, kind: 'line' },
        { label: 'val_auc', color: COLORS.grey, kind: 'threshold' },
      ],
      series: performanceSeries(windows),
      head: ['window end (UTC)', 'realized AUC', 'labels', 'estimated AUC', 'val_auc'],
      height: MAIN_HEIGHT,
      yRange: [0.3, 1],
    }),
    renderChart(calibrationHost, {
      caption: 'Expected calibration error per monitoring window (labelled outcomes, 10 equal-width probability bins)',
      summary: `Line chart over ${windows.length} windows: expected calibration error of v${version}, 0 when every bin observes the rate it predicts, and its noise floor, the error a perfectly calibrated model would show on the same predictions from sampling alone.`,
      yLabel: 'ECE',
      styles: [
        { label: 'ECE', color: COLORS.orange, kind: 'line' },
        { label: 'noise floor', color: COLORS.grey, kind: 'line' },
      ],
      series: calibrationSeries(windows),
      head: ['window end (UTC)', 'ECE', 'noise floor', 'labels'],
      height: MAIN_HEIGHT,
    }),
  ]
}

function drift(data: DashboardData, version: number): Chart[] {
  const list = byId('drift-summary', HTMLUListElement)
  const grid = byId('drift', HTMLElement)
  const records = data.drift.filter((d) => d.version === version)
  if (records.length === 0) {
    list.replaceChildren()
    renderEmpty(grid, 'Feature drift', `No drift reports of v${version} in this range (a window needs DRIFT_MIN_ROWS predictions).`)
    return []
  }
  return renderDrift(list, grid, driftSeries(records))
}

export function renderPanels(data: DashboardData, version: number): Chart[] {
  return [...hourly(data, version), ...performance(data, version), ...drift(data, version)]
}
