import { randomUUID } from 'node:crypto'
import { eq } from 'drizzle-orm'
import type { Db } from '../db/open.ts'
import { type Run, type RunStatus, runs } from '../db/schema.ts'
import { writeTransaction } from '../db/transaction.ts'
import { invalidArgument, TarmacError } from '../registry/errors.ts'
import { getOrCreateExperiment } from './experiments.ts'
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

export function startRun(db: Db, input: StartRunInput): Run {
  if (input.seed !== undefined && !Number.isSafeInteger(input.seed)) throw invalidArgument('seed', `must be an integer, got ${input.seed}`)
  const id = randomUUID()
  const name = input.name === undefined ? `run-${id.slice(0, 8)}` : checkName('name', input.name)
  return writeTransaction(db, (tx) => {
    const experiment = getOrCreateExperiment(tx, input.experiment)
    if (input.parentRunId !== undefined) requireRun(tx, input.parentRunId)
    return tx
      .insert(runs)
      .values({
        id,
        experimentId: experiment.id,
        name,
        parentRunId: input.parentRunId ?? null,
        status: 'running',
        startedAt: new Date(),
        gitCommit: input.gitCommit ?? null,
        dataVersion: input.dataVersion ?? null,
        seed: input.seed ?? null,
        environment: input.environment ?? null,
      })
      .returning()
      .get()
  })
}

/** Ends a running run; a run ends once, so finishing it again is a conflict. */
export function finishRun(db: Db, runId: string, status: FinalStatus, error?: string): Run {
  if (!['finished', 'failed', 'cached'].includes(status)) {
    throw invalidArgument('status', `must be finished, failed or cached, got "${status}"`)
  }
  return writeTransaction(db, (tx) => {
    const run = requireRun(tx, runId)
    if (run.status !== 'running') throw new TarmacError('conflict', `run ${runId} already ended as ${run.status}`)
    return tx
      .update(runs)
      .set({ status, endedAt: new Date(), error: error ?? null })
      .where(eq(runs.id, runId))
      .returning()
      .get()
  })
}

export function requireRun(db: Db, runId: string): Run {
  const run = db.select().from(runs).where(eq(runs.id, runId)).get()
  if (!run) throw new TarmacError('not_found', `unknown run "${runId}"`)
  return run
}
