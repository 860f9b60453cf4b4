import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import { eq } from 'drizzle-orm'
import type { Db } from '../db/open.ts'
import type { Run, RunStatus } from '../db/schema.ts'
import { lockRun, writeTransaction } from '../db/transaction.ts'
import { invalidArgument, TarmacError } from '../errors.ts'
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

let lastStart = 0

/**
 * Now, or 1 ms after the previous run this process started if that is later: runs list newest first by start
 * time, and two runs started in the same millisecond would otherwise fall back to the order of their random ids.
 */
function nextStartTime(): Date {
  lastStart = Math.max(Date.now(), lastStart + 1)
  return new Date(lastStart)
}

export async function startRun(db: Db, input: StartRunInput): Promise<Run> {
  if (input.seed !== undefined && !Number.isSafeInteger(input.seed)) throw invalidArgument('seed', `must be an integer, got ${input.seed}`)
  const id = randomUUID()
  const name = input.name === undefined ? `run-${id.slice(0, 8)}` : checkName('name', input.name)
  const startedAt = nextStartTime()
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

/** Whether process `pid` on this machine is alive: signal 0 checks without sending anything. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it exists but belongs to someone else
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Marks failed the runs still `running` whose process — recorded as `host` and `pid` in the run's
 * environment — was on this host and is gone (killed, out of memory, the machine rebooted): they can then
 * be resumed. Runs of other hosts, or without those tags, are left alone. Returns the ids it ended, each also
 * told to `log`.
 */
export async function failAbandonedRuns(
  db: Db,
  log: (line: string) => void,
  isAlive: (pid: number) => boolean = processAlive,
): Promise<string[]> {
  const { runs } = db.t
  const running = await db.select({ id: runs.id, environment: runs.environment }).from(runs).where(eq(runs.status, 'running'))
  const ended: string[] = []
  for (const run of running) {
    const { host, pid } = run.environment ?? {}
    if (host !== hostname() || !pid || isAlive(Number(pid))) continue
    try {
      await finishRun(db, run.id, 'failed', `process ${pid} on ${host} ended before the run did`)
      ended.push(run.id)
      log(`run ${run.id} was still marked running but its process ${pid} is gone: marked failed`)
    } catch (error) {
      // another process ended it first
      if (!(error instanceof TarmacError && error.code === 'conflict')) throw error
    }
  }
  return ended
}

export async function requireRun(db: Db, runId: string): Promise<Run> {
  const { runs } = db.t
  const [run] = await db.select().from(runs).where(eq(runs.id, runId)).limit(1)
  if (!run) throw new TarmacError('not_found', `unknown run "${runId}"`)
  return run
}
