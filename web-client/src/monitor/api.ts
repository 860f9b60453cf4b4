/** The Worker's public monitoring and model routes, as the dashboard reads them. */

import { createWorkerClient } from '@tarmac/sdk/client/worker'
import type { AlertRecord, DriftRecord, PerformanceRecord, Timeseries } from '@tarmac/sdk/contracts/monitoring'
import type { NumericHistogram } from '@tarmac/sdk/drift'
import { type Range, splitRange } from './range.ts'

export type { AlertRecord, DriftRecord, PerformanceRecord, Timeseries }
export type AlertStatus = AlertRecord['status']

/** The part of the model status (GET /v1/models/{name}) the dashboard reads. */
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

export function monitorApi(endpoint: string, model: string, apiKey: string | undefined): MonitorApi {
  // one try: a dashboard refresh is the retry
  const worker = createWorkerClient({ endpoint, apiKey, attempts: 1 })
  return {
    timeseries: async (range) => mergeTimeseries(await Promise.all(splitRange(range).map((r) => worker.timeseries(model, r)))),
    drift: (range) => worker.drift(model, range),
    performance: (range) => worker.performance(model, range),
    alerts: (status) => worker.alerts({ model, status }),
    aliases: () => worker.modelStatus(model),
    reference: async (alias) => {
      const manifest = await worker.manifest(model, alias)
      return { version: manifest.version, prediction: manifest.referenceProfile.prediction }
    },
  }
}
