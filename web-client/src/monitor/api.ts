/** The Worker's public monitoring and model routes, as the dashboard reads them. */
import type { NumericHistogram } from '@tarmac/sdk/drift'
import type { ModelManifest } from '@tarmac/sdk/manifest'
import type { AlertRecord, DriftRecord, PerformanceRecord, Timeseries } from '../../../edge-worker/src/monitoring/api.ts'
import { type Range, splitRange } from './range.ts'

export type { AlertRecord, DriftRecord, PerformanceRecord, Timeseries }
export type AlertStatus = AlertRecord['status']

/** The part of `ModelSummary` (edge-worker/src/routes/models.ts, GET /v1/models/{name}) the dashboard reads. */
export interface ModelAliases {
  aliases: Record<string, number>
}

export interface MonitorApi {
  /** any length: longer ranges than the route's 31 days are fetched in pieces */
  timeseries(range: Range): Promise<Timeseries>
  /** newest window first; all stored ones (up to the Worker's limit) without a range */
  drift(range?: Range): Promise<DriftRecord[]>
  performance(range?: Range): Promise<PerformanceRecord[]>
  alerts(status?: AlertStatus): Promise<AlertRecord[]>
  aliases(): Promise<ModelAliases>
  /** the reference prediction histogram of the version an alias serves */
  reference(alias: string): Promise<{ version: number; prediction: NumericHistogram }>
}

/** Consecutive pieces of one model's series, as one: hours appended per version. */
export function mergeTimeseries(parts: readonly Timeseries[]): Timeseries {
  const versions = new Map<number, Timeseries['versions'][number]>()
  for (const part of parts) {
    for (const v of part.versions) {
      const seen = versions.get(v.version)
      if (!seen) versions.set(v.version, { ...v, hours: [...v.hours] })
      else seen.hours.push(...v.hours)
    }
  }
  const sorted = [...versions.values()].sort((a, b) => a.version - b.version)
  return { model: parts[0].model, from: parts[0].from, to: parts[parts.length - 1].to, versions: sorted }
}

const rangeQuery = (range: Range | undefined) =>
  range ? `?${new URLSearchParams({ from: new Date(range.from).toISOString(), to: new Date(range.to).toISOString() })}` : ''

export function monitorApi(endpoint: string, model: string, apiKey: string | undefined): MonitorApi {
  const name = encodeURIComponent(model)
  const headers: HeadersInit = apiKey ? { Authorization: `Bearer ${apiKey}` } : {}
  async function get<T>(path: string): Promise<T> {
    const res = await fetch(`${endpoint}${path}`, { headers })
    const body = await res.json().catch(() => null)
    if (!res.ok) throw new Error(body?.error?.message ?? `GET ${path}: HTTP ${res.status}`)
    return body as T
  }
  return {
    timeseries: async (range) =>
      mergeTimeseries(
        await Promise.all(splitRange(range).map((r) => get<Timeseries>(`/v1/monitoring/models/${name}/timeseries${rangeQuery(r)}`))),
      ),
    drift: async (range) => (await get<{ reports: DriftRecord[] }>(`/v1/monitoring/models/${name}/drift${rangeQuery(range)}`)).reports,
    performance: async (range) =>
      (await get<{ windows: PerformanceRecord[] }>(`/v1/monitoring/models/${name}/performance${rangeQuery(range)}`)).windows,
    alerts: async (status) => {
      const query = new URLSearchParams({ model })
      if (status) query.set('status', status)
      return (await get<{ alerts: AlertRecord[] }>(`/v1/monitoring/alerts?${query}`)).alerts
    },
    aliases: () => get(`/v1/models/${name}`),
    reference: async (alias) => {
      const manifest = await get<ModelManifest>(`/v1/models/${name}/manifest?alias=${encodeURIComponent(alias)}`)
      return { version: manifest.version, prediction: manifest.referenceProfile.prediction }
    },
  }
}
