import { and, asc, desc, eq, getTableColumns, inArray, isNull, type SQL } from 'drizzle-orm'
import type { Db } from '../db/open.ts'
import { type Artifact, artifacts, experiments, metrics, params, type Run, type RunStatus, runs, tags } from '../db/schema.ts'
import { TarmacError } from '../registry/errors.ts'
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

const runWithExperiment = { ...getTableColumns(runs), experiment: experiments.name }

export function getRun(db: Db, runId: string): RunDetail {
  const run = db
    .select(runWithExperiment)
    .from(runs)
    .innerJoin(experiments, eq(runs.experimentId, experiments.id))
    .where(eq(runs.id, runId))
    .get()
  if (!run) throw new TarmacError('not_found', `unknown run "${runId}"`)
  const keyValues = (rows: { key: string; value: string }[]) => Object.fromEntries(rows.map((r) => [r.key, r.value]))
  return {
    ...run,
    params: keyValues(db.select().from(params).where(eq(params.runId, runId)).orderBy(asc(params.key)).all()),
    metrics: finalMetrics(db, [runId]).get(runId) ?? {},
    tags: keyValues(db.select().from(tags).where(eq(tags.runId, runId)).orderBy(asc(tags.key)).all()),
    artifacts: db.select().from(artifacts).where(eq(artifacts.runId, runId)).orderBy(asc(artifacts.path)).all(),
  }
}

/** Newest first. */
export function listRuns(db: Db, filter: RunFilter = {}): RunSummary[] {
  const conditions: SQL[] = []
  if (filter.experiment !== undefined) conditions.push(eq(experiments.name, filter.experiment))
  if (filter.status !== undefined) conditions.push(eq(runs.status, filter.status))
  if (filter.parent === null) conditions.push(isNull(runs.parentRunId))
  else if (filter.parent !== undefined) conditions.push(eq(runs.parentRunId, filter.parent))
  return db
    .select(runWithExperiment)
    .from(runs)
    .innerJoin(experiments, eq(runs.experimentId, experiments.id))
    .where(and(...conditions))
    .orderBy(desc(runs.startedAt), desc(runs.id))
    .limit(filter.limit ?? 1000)
    .all()
}

/** Final metric values per run id. Reduced in code rather than with a dialect-specific "last row per group" query. */
export function finalMetrics(db: Db, runIds: string[]): Map<string, Record<string, number>> {
  const result = new Map<string, Record<string, number>>(runIds.map((id) => [id, {}]))
  if (runIds.length === 0) return result
  const points = db
    .select({ runId: metrics.runId, key: metrics.key, value: metrics.value })
    .from(metrics)
    .where(inArray(metrics.runId, runIds))
    .orderBy(asc(metrics.step), asc(metrics.timestamp), asc(metrics.id))
    .all()
  for (const point of points) result.get(point.runId)![point.key] = point.value
  return result
}

export function metricHistory(db: Db, runId: string, key: string): MetricPoint[] {
  requireRun(db, runId)
  return db
    .select({ step: metrics.step, value: metrics.value, timestamp: metrics.timestamp })
    .from(metrics)
    .where(and(eq(metrics.runId, runId), eq(metrics.key, key)))
    .orderBy(asc(metrics.step), asc(metrics.timestamp), asc(metrics.id))
    .all()
}

/** Params and final metrics of several runs side by side, one row per key, one column per run. */
export function compareRuns(db: Db, runIds: string[]): RunComparison {
  const details = runIds.map((id) => getRun(db, id))
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
