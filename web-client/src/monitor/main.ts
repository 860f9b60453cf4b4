/** Monitor page: loads a model's monitoring data from the Worker and renders it for one version at a time. */
import { readConfig } from '../config.ts'
import { byId, setStatus } from '../dom.ts'
import { keepQueryInNav } from '../nav.ts'
import { renderAlerts } from './alerts.ts'
import { type AlertStatus, type MonitorApi, monitorApi } from './api.ts'
import type { Chart } from './chart.ts'
import { type DashboardData, renderPanels } from './panels.ts'
import { dataRange, formatInstant, parseInstant, type Range, toInputValue } from './range.ts'
import '../style.css'
import './monitor.css'

const form = byId('controls', HTMLFormElement)
const inputs = {
  model: byId('model', HTMLInputElement),
  version: byId('version', HTMLSelectElement),
  from: byId('from', HTMLInputElement),
  to: byId('to', HTMLInputElement),
  alerts: byId('alert-status', HTMLSelectElement),
}
let charts: Chart[] = []
let loaded: DashboardData | null = null

const showStatus = (text: string, state: 'loading' | 'ready' | 'error') => setStatus(text, state, 'monitor-status')

const overlaps = (r: Range) => (w: { windowStart: string; windowEnd: string }) =>
  Date.parse(w.windowEnd) > r.from && Date.parse(w.windowStart) < r.to

/** The range the query names, else the span of the stored windows (a replay's lie in its own past). */
async function loadWindows(api: MonitorApi, given: Range | null) {
  if (given) {
    const [drift, performance] = await Promise.all([api.drift(given), api.performance(given)])
    return { range: given, drift, performance }
  }
  const [drift, performance] = await Promise.all([api.drift(), api.performance()])
  const range = dataRange([...drift, ...performance])
  return { range, drift: drift.filter(overlaps(range)), performance: performance.filter(overlaps(range)) }
}

/** Reference histograms of the versions the aliases serve; the monitor works without them. */
async function loadReferences(api: MonitorApi, aliases: Record<string, number>) {
  const found = await Promise.all(Object.keys(aliases).map((alias) => api.reference(alias).catch(() => null)))
  return new Map(found.filter((r) => r !== null).map((r) => [r.version, r.prediction]))
}

function showVersions(data: DashboardData, wanted: number | null): number | null {
  const versions = [
    ...new Set([
      ...data.timeseries.versions.map((v) => v.version),
      ...data.drift.map((d) => d.version),
      ...data.performance.map((p) => p.version),
    ]),
  ].sort((a, b) => b - a)
  inputs.version.replaceChildren(...versions.map((v) => new Option(`v${v}`, String(v))))
  inputs.version.disabled = versions.length === 0
  const version = wanted !== null && versions.includes(wanted) ? wanted : (versions[0] ?? null)
  if (version !== null) inputs.version.value = String(version)
  return version
}

function render(data: DashboardData, version: number): void {
  for (const c of charts) c.destroy()
  charts = renderPanels(data, version)
}

function summary(endpoint: string, aliases: Record<string, number>, range: Range): void {
  byId('summary-endpoint', HTMLElement).textContent = endpoint
  const served = Object.entries(aliases).map(([alias, v]) => `${alias} v${v}`)
  byId('summary-aliases', HTMLElement).textContent = served.join(' · ') || 'none'
  byId('summary-range', HTMLElement).textContent = `${formatInstant(range.from)} – ${formatInstant(range.to)} UTC`
}

async function load(): Promise<void> {
  const q = new URLSearchParams(location.search)
  const config = readConfig(location.search, import.meta.env)
  const api = monitorApi(config.endpoint, config.model, config.apiKey)
  const from = parseInstant(q.get('from'))
  const to = parseInstant(q.get('to'))
  const status = (q.get('alerts') || undefined) as AlertStatus | undefined
  inputs.model.value = config.model
  inputs.alerts.value = status ?? ''
  showStatus(`Loading ${config.model} from ${config.endpoint}…`, 'loading')

  const model = await api.aliases()
  const [{ range, drift, performance }, alerts, references] = await Promise.all([
    loadWindows(api, from !== null && to !== null && from < to ? { from, to } : null),
    api.alerts(status),
    loadReferences(api, model.aliases),
  ])
  const timeseries = await api.timeseries(range)
  loaded = { timeseries, drift, performance, alerts, references }
  inputs.from.value = toInputValue(range.from)
  inputs.to.value = toInputValue(range.to)
  summary(config.endpoint, model.aliases, range)
  renderAlerts(byId('alerts-body', HTMLTableSectionElement), alerts)
  byId('alerts-empty', HTMLElement).hidden = alerts.length > 0

  const version = showVersions(loaded, q.has('version') ? Number(q.get('version')) : null)
  if (version === null) {
    showStatus(`No monitoring data for ${config.model} between ${formatInstant(range.from)} and ${formatInstant(range.to)} UTC.`, 'ready')
    return
  }
  render(loaded, version)
  const count = timeseries.versions.find((v) => v.version === version)?.hours.reduce((a, h) => a + h.count, 0) ?? 0
  const firing = alerts.filter((a) => a.status === 'firing').length
  showStatus(
    `${config.model} v${version}: ${count} predictions, ${drift.filter((d) => d.version === version).length} drift reports, ${firing} alerts firing.`,
    'ready',
  )
}

function fail(error: unknown): void {
  const message = error instanceof Error ? error.message : String(error)
  showStatus(`The monitoring data could not be loaded: ${message}`, 'error')
}

/** The controls live in the query string, so a view can be shared and survives a reload. */
function applyControls(): void {
  const q = new URLSearchParams(location.search)
  const set = (key: string, value: string) => (value ? q.set(key, value) : q.delete(key))
  set('model', inputs.model.value.trim())
  set('from', inputs.from.value)
  set('to', inputs.to.value)
  set('alerts', inputs.alerts.value)
  q.delete('version')
  history.replaceState(null, '', `?${q}`)
  keepQueryInNav()
}

form.addEventListener('submit', (event) => {
  event.preventDefault()
  applyControls()
  load().catch(fail)
})
inputs.version.addEventListener('change', () => {
  const q = new URLSearchParams(location.search)
  q.set('version', inputs.version.value)
  history.replaceState(null, '', `?${q}`)
  keepQueryInNav()
  if (loaded) render(loaded, Number(inputs.version.value))
})

keepQueryInNav()
load().catch(fail)
