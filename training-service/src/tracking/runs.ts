import { eq } from 'drizzle-orm'
import type { Db } from '../db/open.ts'
import type { Run, RunStatus } from '../db/schema.ts'
import { lockRun, writeTransaction } from '../db/transaction.ts'
import { invalidArgument, TarmacError } from '../registry/errors.ts'
import { getOrCreateExperiment } from './experiments.ts'
import { newRunId } from './run-id.ts'
import { checkName } from './validate.ts'

export type StartRunInput = {
  experiment: string
  name?: string
  /** the sweep run this run is a trial of */
  parentRunId?: string
  gitCommit?: string
  dataVersion?: string
  seed?: number
  environment?: Record<string, string>
}

export type FinalStatus = Exclude<RunStatus, 'running'>

export async function startRun(db: Db, input: StartRunInput): Promise<Run> {
  if (input.seed !== undefined && !Number.isSafeInteger(input.seed)) throw invalidArgument('seed', `must be an integer, got ${input.seed}`)
  const startedAt = new Date()
  const id = newRunId(startedAt.getTime())
  const name = input.name === undefined ? `run-${id.slice(-8)}` : checkName('name', input.name)
  return writeTransaction(db, async (tx) => {
    const experiment = await getOrCreateExperiment(tx, input.experiment)
    if (input.parentRunId !== undefined) await requireRun(tx, input.parentRunId)
    const [run] = await tx
      .insert(tx.t.runs)
      .values({
        id,
        experimentId: experiment.id,
        name,
        parentRunId: input.parentRunId ?? null,
        status: 'running',
        startedAt,
        gitCommit: input.gitCommit ?? null,
        dataVersion: input.dataVersion ?? null,
        seed: input.seed ?? null,
        environment: input.environment ?? null,
      })
      .returning()
    return run
  })
}

/** Ends a running run; a run ends once, so finishing it again is a conflict. */
export async function finishRun(db: Db, runId: string, status: FinalStatus, error?: string): Promise<Run> {
  if (!['finished', 'failed', 'cached'].includes(status)) {
    throw invalidArgument('status', `must be finished, failed or cached, got "${status}"`)
  }
  return writeTransaction(db, async (tx) => {
    const { runs } = tx.t
    await lockRun(tx, runId)
    const run = await requireRun(tx, runId)
    if (run.status !== 'running') throw new TarmacError('conflict', `run ${runId} already ended as ${run.status}`)
    const [ended] = await tx
      .update(runs)
      .set({ status, endedAt: new Date(), error: error ?? null })
      .where(eq(runs.id, runId))
      .returning()
    return ended
  })
}

export async function requireRun(db: Db, runId: string): Promise<Run> {
  const { runs } = db.t
  const [run] = await db.select().from(runs).where(eq(runs.id, runId)).limit(1)
  if (!run) throw new TarmacError('not_found', `unknown run "${runId}"`)
  return run
}
