import { DELAY_THRESHOLD_MINUTES } from '@tarmac/sdk/features'
import type { FlightColumns, LoadedDataset } from './dataset.ts'
import type { Lineage } from './lineage.ts'
import { WINDOW_NAMES, type WindowName } from './windows.ts'

export interface WindowSummary {
  from: string
  to: string
  rows: number
  labelled: number
  /** share of labelled flights arriving ≥ 15 minutes late */
  delayRate: number | null
}

export interface DatasetDescription {
  file: string
  format: string
  bytes: number
  sourceRows: number
  validRows: number
  quarantinedRows: number
  quarantinedByReason: Record<string, number>
  quarantineFile: string | null
  outsideWindows: number
  dataVersion: string
  sourceSha256: string
  windows: Record<WindowName, WindowSummary>
  topAirports: { airport: string; departures: number; delayRate: number }[]
}

function delayStats(c: FlightColumns): { labelled: number; delayed: number } {
  let labelled = 0
  let delayed = 0
  for (let i = 0; i < c.size; i++) {
    const d = c.delay[i]
    if (Number.isNaN(d)) continue
    labelled++
    if (d >= DELAY_THRESHOLD_MINUTES) delayed++
  }
  return { labelled, delayed }
}

export function describeDataset(ds: LoadedDataset, topN = 10): DatasetDescription {
  const windows = {} as Record<WindowName, WindowSummary>
  const airports = new Map<string, { departures: number; delayed: number; labelled: number }>()
  for (const w of WINDOW_NAMES) {
    const c = ds.splits[w]
    const { labelled, delayed } = delayStats(c)
    windows[w] = { ...ds.windows[w], rows: c.size, labelled, delayRate: labelled ? delayed / labelled : null }
    for (let i = 0; i < c.size; i++) {
      let a = airports.get(c.origin[i])
      if (!a) {
        a = { departures: 0, delayed: 0, labelled: 0 }
        airports.set(c.origin[i], a)
      }
      a.departures++
      const d = c.delay[i]
      if (!Number.isNaN(d)) {
        a.labelled++
        if (d >= DELAY_THRESHOLD_MINUTES) a.delayed++
      }
    }
  }
  const topAirports = [...airports.entries()]
    .sort((a, b) => b[1].departures - a[1].departures || (a[0] < b[0] ? -1 : 1))
    .slice(0, topN)
    .map(([airport, a]) => ({ airport, departures: a.departures, delayRate: a.labelled ? a.delayed / a.labelled : 0 }))
  return {
    file: ds.source.file,
    format: ds.source.format,
    bytes: ds.source.bytes,
    sourceRows: ds.counts.read,
    validRows: ds.counts.valid,
    quarantinedRows: ds.counts.quarantined,
    quarantinedByReason: ds.counts.quarantinedByReason,
    quarantineFile: ds.quarantineFile,
    outsideWindows: ds.counts.outsideWindows,
    dataVersion: ds.dataVersion,
    sourceSha256: ds.sourceSha256,
    windows,
    topAirports,
  }
}

const pct = (x: number | null) => (x === null ? '—' : `${(100 * x).toFixed(1)}%`)
const int = (x: number) => x.toLocaleString('en-US')

export function formatDescription(d: DatasetDescription & { lineage?: Lineage | null }): string {
  const lines = [
    `source        ${d.file} (${d.format}, ${int(d.bytes)} bytes)`,
    `data version  ${d.dataVersion}`,
    `rows          ${int(d.sourceRows)} read, ${int(d.validRows)} valid, ${int(d.quarantinedRows)} quarantined, ${int(d.outsideWindows)} outside every window`,
    '',
    'window     from        to          rows        delay rate (≥15 min)',
    ...WINDOW_NAMES.map((w) => {
      const s = d.windows[w]
      return `${w.padEnd(10)} ${s.from}  ${s.to}  ${int(s.rows).padStart(10)}  ${pct(s.delayRate)}`
    }),
    '',
    'top origins  departures  delay rate',
    ...d.topAirports.map((a) => `${a.airport.padEnd(12)} ${int(a.departures).padStart(10)}  ${pct(a.delayRate)}`),
  ]
  if (d.lineage) {
    const l = d.lineage
    lines.splice(
      3,
      0,
      `lineage       pulled ${l.pulledAt} from ${l.source.worker}: ${l.source.model} ${l.source.role} capture, event time ${l.window.from} .. ${l.window.to}`,
      `              ${int(l.rows)} labelled of ${int(l.captured)} captured rows (${pct(l.labelCoverage)} label coverage), capture sample rate ${l.sampleRates.join(', ') || '—'}`,
    )
  }
  const reasons = Object.entries(d.quarantinedByReason)
  if (reasons.length > 0) {
    lines.push('', 'quarantined by reason', ...reasons.sort((a, b) => b[1] - a[1]).map(([r, n]) => `  ${int(n).padStart(8)}  ${r}`))
    lines.push(`  rows written to ${d.quarantineFile}`)
  }
  return lines.join('\n')
}
