import { and, eq } from 'drizzle-orm'
import type { Db } from '../db/open.ts'
import { artifacts, metrics, params, tags } from '../db/schema.ts'
import { writeTransaction } from '../db/transaction.ts'
import { invalidArgument, TarmacError } from '../registry/errors.ts'
import type { StoredBlob } from './artifact-store.ts'
import { requireRun } from './runs.ts'
import { checkFinite, checkKey, checkNonNegativeInt } from './validate.ts'

export type ParamValue = string | number | boolean
export type MetricOptions = { step?: number; timestamp?: Date }

/** Params are write-once, as in MLflow: re-logging the same value is a no-op, a different value a conflict. */
export function logParams(db: Db, runId: string, values: Record<string, ParamValue>): void {
  const rows = Object.entries(values).map(([key, value]) => ({ runId, key: checkKey('param key', key), value: String(value) }))
  writeTransaction(db, (tx) => {
    requireRun(tx, runId)
    for (const row of rows) {
      const existing = tx
        .select({ value: params.value })
        .from(params)
        .where(and(eq(params.runId, runId), eq(params.key, row.key)))
        .get()
      if (existing && existing.value !== row.value) {
        throw new TarmacError(
          'conflict',
          `param "${row.key}" of run ${runId} is already "${existing.value}", cannot change it to "${row.value}"`,
        )
      }
      if (!existing) tx.insert(params).values(row).run()
    }
  })
}

export function logMetric(db: Db, runId: string, key: string, value: number, options: MetricOptions = {}): void {
  logMetrics(db, runId, { [key]: value }, options)
}

/** Appends one point per key to each metric's series, all at the same step (default 0). */
export function logMetrics(
  db: Db,
  runId: string,
  values: Record<string, number>,
  { step = 0, timestamp = new Date() }: MetricOptions = {},
): void {
  checkNonNegativeInt('step', step)
  const rows = Object.entries(values).map(([key, value]) => ({
    runId,
    key: checkKey('metric key', key),
    value: checkFinite(`metric "${key}"`, value),
    step,
    timestamp,
  }))
  if (rows.length === 0) return
  writeTransaction(db, (tx) => {
    requireRun(tx, runId)
    tx.insert(metrics).values(rows).run()
  })
}

/** Tags are mutable labels: setting one again overwrites it. */
export function setTag(db: Db, runId: string, key: string, value: string): void {
  checkKey('tag key', key)
  writeTransaction(db, (tx) => {
    requireRun(tx, runId)
    tx.insert(tags)
      .values({ runId, key, value: String(value) })
      .onConflictDoUpdate({ target: [tags.runId, tags.key], set: { value: String(value) } })
      .run()
  })
}

/** Records a file a run produced; the bytes live in an ArtifactStore, this row points at them. */
export function logArtifact(db: Db, runId: string, artifact: StoredBlob & { path: string }): void {
  const { path, sha256, size, uri } = artifact
  if (path.length === 0 || path.startsWith('/') || path.split('/').includes('..')) {
    throw invalidArgument('path', `"${path}" must be a relative path without ".."`)
  }
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw invalidArgument('sha256', 'must be a lower-case hex sha256')
  checkNonNegativeInt('size', size)
  writeTransaction(db, (tx) => {
    requireRun(tx, runId)
    tx.insert(artifacts)
      .values({ runId, path, sha256, size, uri })
      .onConflictDoUpdate({ target: [artifacts.runId, artifacts.path], set: { sha256, size, uri } })
      .run()
  })
}
