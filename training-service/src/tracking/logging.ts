import { and, eq } from 'drizzle-orm'
import type { Db } from '../db/open.ts'
import { lockRun, writeTransaction } from '../db/transaction.ts'
import { invalidArgument, TarmacError } from '../errors.ts'
import type { StoredBlob } from './artifact-store.ts'
import { requireRun } from './runs.ts'
import { checkFinite, checkKey, checkNonNegativeInt } from './validate.ts'

export type ParamValue = string | number | boolean
export type MetricOptions = { step?: number; timestamp?: Date }

/** Params are write-once, as in MLflow: re-logging the same value is a no-op, a different value a conflict. */
export async function logParams(db: Db, runId: string, values: Record<string, ParamValue>): Promise<void> {
  const rows = Object.entries(values).map(([key, value]) => ({ runId, key: checkKey('param key', key), value: String(value) }))
  await writeTransaction(db, async (tx) => {
    const { params } = tx.t
    await lockRun(tx, runId)
    await requireRun(tx, runId)
    for (const row of rows) {
      const [existing] = await tx
        .select({ value: params.value })
        .from(params)
        .where(and(eq(params.runId, runId), eq(params.key, row.key)))
        .limit(1)
      if (existing && existing.value !== row.value) {
        throw new TarmacError(
          'conflict',
          `param "${row.key}" of run ${runId} is already "${existing.value}", cannot change it to "${row.value}"`,
        )
      }
      if (!existing) await tx.insert(params).values(row)
    }
  })
}

export async function logMetric(db: Db, runId: string, key: string, value: number, options: MetricOptions = {}): Promise<void> {
  await logMetrics(db, runId, { [key]: value }, options)
}

/** Appends one point per key to each metric's series, all at the same step (default 0). */
export async function logMetrics(
  db: Db,
  runId: string,
  values: Record<string, number>,
  { step = 0, timestamp = new Date() }: MetricOptions = {},
): Promise<void> {
  checkNonNegativeInt('step', step)
  const rows = Object.entries(values).map(([key, value]) => ({
    runId,
    key: checkKey('metric key', key),
    value: checkFinite(`metric "${key}"`, value),
    step,
    timestamp,
  }))
  if (rows.length === 0) return
  await writeTransaction(db, async (tx) => {
    await requireRun(tx, runId)
    await tx.insert(tx.t.metrics).values(rows)
  })
}

/** Tags are mutable labels: setting one again overwrites it. */
export async function setTag(db: Db, runId: string, key: string, value: string): Promise<void> {
  checkKey('tag key', key)
  await writeTransaction(db, async (tx) => {
    const { tags } = tx.t
    await requireRun(tx, runId)
    await tx
      .insert(tags)
      .values({ runId, key, value: String(value) })
      .onConflictDoUpdate({ target: [tags.runId, tags.key], set: { value: String(value) } })
  })
}

/** Records a file a run produced; the bytes live in an ArtifactStore, this row points at them. */
export async function logArtifact(db: Db, runId: string, artifact: StoredBlob & { path: string }): Promise<void> {
  const { path, sha256, size, uri } = artifact
  if (path.length === 0 || path.startsWith('/') || path.split('/').includes('..')) {
    throw invalidArgument('path', `"${path}" must be a relative path without ".."`)
  }
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw invalidArgument('sha256', 'must be a lower-case hex sha256')
  checkNonNegativeInt('size', size)
  await writeTransaction(db, async (tx) => {
    const { artifacts } = tx.t
    await requireRun(tx, runId)
    await tx
      .insert(artifacts)
      .values({ runId, path, sha256, size, uri })
      .onConflictDoUpdate({ target: [artifacts.runId, artifacts.path], set: { sha256, size, uri } })
  })
}
