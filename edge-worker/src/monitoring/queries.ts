/** Read side of the monitoring API: hourly series, stored reports and alerts. */

import type { AlertRecord, DriftRecord, HourPoint, PerformanceRecord, Timeseries } from '@tarmac/sdk/contracts/monitoring'
import { auc } from '@tarmac/sdk/metrics'
import { and, asc, avg, desc, eq, gt, gte, inArray, lt, type SQL } from 'drizzle-orm'
import type { database } from '../db/client.ts'
import { alerts, driftReports, performance, predictions, profileCounts } from '../db/schema.ts'
import { readManifest } from '../models/loader.ts'
import { ERRORS_FEATURE, LATENCY_EDGES_MS, LATENCY_FEATURE, PREDICTION_FEATURE, ROWS_FEATURE } from '../telemetry/profile.ts'
import { finiteOrNull, type Labelled, loadLabelled } from './labels.ts'
import { histogramQuantile } from './profiles.ts'
import { alertRecord, driftRecord, performanceRecord } from './views.ts'
import { bucketRange, bucketStart, iso, type Window } from './window.ts'

type Db = ReturnType<typeof database>
const LIST_LIMIT = 200

interface HourAcc {
  count: number
  errors: number
  latency: number[]
  prediction: number[]
  mean: number | null
  labelled: Labelled[]
}

export async function timeseries(env: Env, db: Db, model: string, w: Window): Promise<Timeseries> {
  const { first, last } = bucketRange(w)
  const [counts, means, labelled] = await Promise.all([
    db
      .select()
      .from(profileCounts)
      .where(
        and(
          eq(profileCounts.model, model),
          gte(profileCounts.hour, first),
          lt(profileCounts.hour, last),
          inArray(profileCounts.feature, [ROWS_FEATURE, ERRORS_FEATURE, LATENCY_FEATURE, PREDICTION_FEATURE]),
        ),
      ),
    db
      .select({ version: predictions.version, hour: predictions.hour, mean: avg(predictions.probability).mapWith(Number) })
      .from(predictions)
      .where(and(eq(predictions.model, model), gte(predictions.hour, first), lt(predictions.hour, last)))
      .groupBy(predictions.version, predictions.hour),
    loadLabelled(db, model, w),
  ])
  const versions = new Map<number, { edges: number[]; hours: Map<string, HourAcc> }>()
  const hourOf = (version: number, hour: string): HourAcc => {
    const v = versions.get(version) ?? { edges: [], hours: new Map<string, HourAcc>() }
    versions.set(version, v)
    const h = v.hours.get(hour) ?? {
      count: 0,
      errors: 0,
      latency: new Array(LATENCY_EDGES_MS.length + 1).fill(0),
      prediction: [],
      mean: null,
      labelled: [],
    }
    v.hours.set(hour, h)
    return h
  }
  for (const r of counts) {
    const h = hourOf(r.version, r.hour)
    if (r.feature === ROWS_FEATURE) h.count += r.count
    else if (r.feature === ERRORS_FEATURE) h.errors += r.count
    else if (r.feature === LATENCY_FEATURE) h.latency[r.bin] = (h.latency[r.bin] ?? 0) + r.count
    else h.prediction[r.bin] = (h.prediction[r.bin] ?? 0) + r.count
  }
  for (const m of means) hourOf(m.version, m.hour).mean = m.mean
  for (const l of labelled) hourOf(l.version, l.hour).labelled.push(l)

  const out: Timeseries = { model, from: iso(w.start), to: iso(w.end), versions: [] }
  for (const [version, v] of [...versions].sort((a, b) => a[0] - b[0])) {
    // a version whose manifest is unreadable still gets its counts, on bins of unknown edges
    const edges = await readManifest(env, model, version).then(
      (m) => m.referenceProfile.prediction.edges,
      () => [] as number[],
    )
    const hours = [...v.hours].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([hour, h]) => hourPoint(hour, h, edges))
    out.versions.push({ version, predictionEdges: edges, hours })
  }
  return out
}

function hourPoint(hour: string, h: HourAcc, edges: number[]): HourPoint {
  const latency = { kind: 'numeric' as const, edges: LATENCY_EDGES_MS, counts: h.latency }
  const bins = Math.max(edges.length + 1, h.prediction.length)
  const labels = Uint8Array.from(h.labelled, (l) => (l.delayed ? 1 : 0))
  return {
    hour: new Date(bucketStart(hour)).toISOString(),
    count: h.count,
    errors: h.errors,
    latencyP50: histogramQuantile(latency, 0.5),
    latencyP99: histogramQuantile(latency, 0.99),
    meanProbability: h.mean,
    predictionCounts: Array.from({ length: bins }, (_, i) => h.prediction[i] ?? 0),
    labels: h.labelled.length,
    realizedAuc:
      h.labelled.length > 0
        ? finiteOrNull(
            auc(
              labels,
              Float64Array.from(h.labelled, (l) => l.probability),
            ),
          )
        : null,
  }
}

/** Windows overlapping [from, to), when given. */
function overlapping(table: typeof driftReports | typeof performance, model: string, range: Partial<Window>): SQL | undefined {
  return and(
    eq(table.model, model),
    range.start === undefined ? undefined : gt(table.windowEnd, range.start),
    range.end === undefined ? undefined : lt(table.windowStart, range.end),
  )
}

export async function driftHistory(db: Db, model: string, range: Partial<Window>): Promise<DriftRecord[]> {
  const rows = await db
    .select()
    .from(driftReports)
    .where(overlapping(driftReports, model, range))
    .orderBy(desc(driftReports.windowEnd), desc(driftReports.createdAt), desc(driftReports.version))
    .limit(LIST_LIMIT)
  return rows.map(driftRecord)
}

export async function performanceHistory(db: Db, model: string, range: Partial<Window>): Promise<PerformanceRecord[]> {
  const rows = await db
    .select()
    .from(performance)
    .where(overlapping(performance, model, range))
    .orderBy(desc(performance.windowEnd), desc(performance.createdAt), desc(performance.version))
    .limit(LIST_LIMIT)
  return rows.map(performanceRecord)
}

export async function listAlerts(db: Db, filter: { status?: 'firing' | 'resolved'; model?: string }): Promise<AlertRecord[]> {
  const rows = await db
    .select()
    .from(alerts)
    .where(
      and(
        filter.status === undefined ? undefined : eq(alerts.status, filter.status),
        filter.model ? eq(alerts.model, filter.model) : undefined,
      ),
    )
    .orderBy(desc(alerts.lastSeen), asc(alerts.id))
    .limit(LIST_LIMIT)
  return rows.map(alertRecord)
}
