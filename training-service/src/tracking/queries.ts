import { and, asc, desc, eq, getTableColumns, inArray, isNull, type SQL } from 'drizzle-orm'
import type { Db } from '../db/open.ts'
import type { Artifact, Run, RunStatus } from '../db/schema.ts'
import { TarmacError } from '../errors.ts'
import { requireRun } from './runs.ts'

export type RunSummary = Run & { experiment: string }
export type RunDetail = RunSummary & {
  params: Record<string, string>
  /** final value of each metric: the point with the highest step (latest logged on ties) */
  metrics: Record<string, number>
  tags: Record<string, string>
  artifacts: Artifact[]
}
export type MetricPoint = { step: number; value: number; timestamp: Date }
export type RunFilter = {
  experiment?: string
  status?: RunStatus
  /** a run id for the trials of that sweep, null for top-level runs only */
  parent?: string | null
  limit?: number
}
export type RunComparison = {
  runIds: string[]
  params: { key: string; values: (string | null)[]; differs: boolean }[]
  metrics: { key: string; values: (number | null)[] }[]
}

const runWithExperiment = (db: Db) => ({ ...getTableColumns(db.t.runs), experiment: db.t.experiments.name })

export async function getRun(db: Db, runId: string): Promise<RunDetail> {
  const { runs, experiments, params, tags, artifacts } = db.t
  const [run] = await db
    .select(runWithExperiment(db))
    .from(runs)
    .innerJoin(experiments, eq(runs.experimentId, experiments.id))
    .where(eq(runs.id, runId))
    .limit(1)
  if (!run) throw new TarmacError('not_found', `unknown run "${runId}"`)
  const keyValues = (rows: { key: string; value: string }[]) => Object.fromEntries(rows.map((r) => [r.key, r.value]))
  return {
    ...run,
    params: keyValues(await db.select().from(params).where(eq(params.runId, runId)).orderBy(asc(params.key))),
    metrics: (await finalMetrics(db, [runId])).get(runId) ?? {},
    tags: keyValues(await db.select().from(tags).where(eq(tags.runId, runId)).orderBy(asc(tags.key))),
    artifacts: await db.select().from(artifacts).where(eq(artifacts.runId, runId)).orderBy(asc(artifacts.path)),
  }
}

/** Newest first. */
export async function listRuns(db: Db, filter: RunFilter = {}): Promise<RunSummary[]> {
  const { runs, experiments } = db.t
  const conditions: SQL[] = []
  if (filter.experiment !== undefined) conditions.push(eq(experiments.name, filter.experiment))
  if (filter.status !== undefined) conditions.push(eq(runs.status, filter.status))
  if (filter.parent === null) conditions.push(isNull(runs.parentRunId))
  else if (filter.parent !== undefined) conditions.push(eq(runs.parentRunId, filter.parent))
  return db
    .select(runWithExperiment(db))
    .from(runs)
    .innerJoin(experiments, eq(runs.experimentId, experiments.id))
    .where(and(...conditions))
    .orderBy(desc(runs.startedAt), desc(runs.id))
    .limit(filter.limit ?? 1000)
}

/** Final metric values per run id. Reduced in code rather than with a dialect-specific "last row per group" query. */
export async function finalMetrics(db: Db, runIds: string[]): Promise<Map<string, Record<string, number>>> {
  const { metrics } = db.t
  const result = new Map<string, Record<string, number>>(runIds.map((id) => [id, {}]))
  if (runIds.length === 0) return result
  const points = await db
    .select({ runId: metrics.runId, key: metrics.key, value: metrics.value })
    .from(metrics)
    .where(inArray(metrics.runId, runIds))
    .orderBy(asc(metrics.step), asc(metrics.timestamp), asc(metrics.id))
  for (const point of points) result.get(point.runId)![point.key] = point.value
  return result
}

export async function metricHistory(db: Db, runId: string, key: string): Promise<MetricPoint[]> {
  const { metrics } = db.t
  await requireRun(db, runId)
  return db
    .select({ step: metrics.step, value: metrics.value, timestamp: metrics.timestamp })
    .from(metrics)
    .where(and(eq(metrics.runId, runId), eq(metrics.key, key)))
    .orderBy(asc(metrics.step), asc(metrics.timestamp), asc(metrics.id))
}

/** Params and final metrics of several runs side by side, one row per key, one column per run. */
export async function compareRuns(db: Db, runIds: string[]): Promise<RunComparison> {
  const details: RunDetail[] = []
  for (const id of runIds) details.push(await getRun(db, id))
  const keysOf = (pick: (d: RunDetail) => Record<string, unknown>) => [...new Set(details.flatMap((d) => Object.keys(pick(d))))].sort()
  return {
    runIds,
    params: keysOf((d) => d.params).map((key) => {
      const values = details.map((d) => d.params[key] ?? null)
      return { key, values, differs: new Set(values).size > 1 }
    }),
    metrics: keysOf((d) => d.metrics).map((key) => ({ key, values: details.map((d) => d.metrics[key] ?? null) })),
  }
}
