import { asc, desc, eq, inArray } from 'drizzle-orm'
import type { Db } from '../../db/open.ts'
import type { ModelVersion } from '../../db/schema.ts'
import { finalMetrics, listRuns, type RunSummary } from '../../tracking/queries.ts'

/** A run as the runs table shows it: its summary with params, final metrics and tags, all read in a few batched queries. */
export type RunRow = RunSummary & { params: Record<string, string>; metrics: Record<string, number>; tags: Record<string, string> }

/** How many runs the runs page reads: enough for a project's history, bounded so the page stays fast. */
const RUNS_PAGE_LIMIT = 1000

export async function loadRunRows(db: Db): Promise<RunRow[]> {
  const runs = await listRuns(db, { limit: RUNS_PAGE_LIMIT })
  const ids = runs.map((r) => r.id)
  const [metrics, params, tags] = await Promise.all([finalMetrics(db, ids), keyValues(db, 'params', ids), keyValues(db, 'tags', ids)])
  return runs.map((run) => ({ ...run, metrics: metrics.get(run.id) ?? {}, params: params.get(run.id) ?? {}, tags: tags.get(run.id) ?? {} }))
}

async function keyValues(db: Db, table: 'params' | 'tags', runIds: string[]): Promise<Map<string, Record<string, string>>> {
  const t = db.t[table]
  const result = new Map<string, Record<string, string>>(runIds.map((id) => [id, {}]))
  if (runIds.length === 0) return result
  for (const row of await db.select().from(t).where(inArray(t.runId, runIds)).orderBy(asc(t.key)))
    result.get(row.runId)![row.key] = row.value
  return result
}

/** The model versions a run registered (a training run registers at most one; kept general). */
export async function versionsOfRun(db: Db, runId: string): Promise<ModelVersion[]> {
  const { modelVersions } = db.t
  return db
    .select()
    .from(modelVersions)
    .where(eq(modelVersions.runId, runId))
    .orderBy(asc(modelVersions.modelName), desc(modelVersions.version))
}
