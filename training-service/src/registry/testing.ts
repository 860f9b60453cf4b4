import type { Db } from '../db/open.ts'
import type { ModelVersion } from '../db/schema.ts'
import { logMetrics } from '../tracking/logging.ts'
import { finishRun, startRun } from '../tracking/runs.ts'
import { registerModelVersion } from './versions.ts'

/** Test helper: a finished run with the given final metrics, registered as the next version of `name`. */
export async function seedVersion(db: Db, name: string, metrics: Record<string, number>): Promise<ModelVersion> {
  const run = await startRun(db, { experiment: 'tests', dataVersion: 'data-v1' })
  await logMetrics(db, run.id, metrics, { step: 1 })
  await finishRun(db, run.id, 'finished')
  return registerModelVersion(db, { name, runId: run.id, artifactUri: `file:///models/${name}`, manifestSha256: 'a'.repeat(64) })
}

/** Metrics that pass every default gate against no champion. */
export const GOOD_METRICS = { val_auc: 0.8, baseline_auc: 0.7, val_ece: 0.02 }

export async function captureError(fn: () => unknown): Promise<unknown> {
  try {
    await fn()
  } catch (error) {
    return error
  }
  throw new Error('expected an error')
}
