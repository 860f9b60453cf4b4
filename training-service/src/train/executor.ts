import { availableParallelism } from 'node:os'
import { runTrials, type TrialJob } from './sweep.ts'
import type { EpochRecord, TrialResult } from './trainer.ts'

/** How one trial of a sweep ended: its result, or the reason it failed; `attempts` counts how often it was started. */
export type TrialOutcome =
  | { index: number; status: 'finished'; result: TrialResult; attempts: number }
  | { index: number; status: 'failed'; error: string; attempts: number }

/** What a sweep reports while it runs. */
export interface SweepHooks {
  /** an epoch of trial `index` ended */
  onEpoch?: (index: number, e: EpochRecord) => void
  /** a trial's outcome as soon as it is known, before the sweep ends: the train step checkpoints finished ones */
  onOutcome?: (outcome: TrialOutcome) => void | Promise<void>
  /** the executor's own lines (enqueued, retried…) */
  log?: (line: string) => void
}

/**
 * Where sweep trials run. Implementations: worker threads in this process (`local`, the default) and
 * BullMQ workers on other processes or machines (`distributed/bullmq-executor.ts`).
 */
export interface TrialExecutor {
  readonly name: string
  /** resolves with one outcome per job, in job order (`index` is the job's own, so any subset of a sweep can run) */
  run(jobs: TrialJob[], hooks?: SweepHooks): Promise<TrialOutcome[]>
}

/** The worker-thread pool: as before, a failing trial fails the whole sweep. */
export function localExecutor(concurrency?: number): TrialExecutor {
  return {
    name: 'local',
    async run(jobs, hooks = {}) {
      const lanes = concurrency ?? Math.min(jobs.length, availableParallelism())
      const outcome = (job: TrialJob, result: TrialResult): TrialOutcome => ({ index: job.index, status: 'finished', result, attempts: 1 })
      const results = await runTrials(jobs, hooks.onEpoch ?? (() => {}), lanes, (job, result) => hooks.onOutcome?.(outcome(job, result)))
      return jobs.map((job, i) => outcome(job, results[i]))
    },
  }
}
