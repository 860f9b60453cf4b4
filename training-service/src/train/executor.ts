import { availableParallelism } from 'node:os'
import { runTrials, type TrialJob } from './sweep.ts'
import type { EpochRecord, TrialResult } from './trainer.ts'

/** How one trial of a sweep ended: its result, or the reason it failed; `attempts` counts how often it was started. */
export type TrialOutcome =
  | { index: number; status: 'finished'; result: TrialResult; attempts: number }
  | { index: number; status: 'failed'; error: string; attempts: number }

/**
 * Where sweep trials run. Implementations: worker threads in this process (`local`, the default) and
 * BullMQ workers on other processes or machines (`distributed/bullmq-executor.ts`).
 */
export interface TrialExecutor {
  readonly name: string
  /** resolves with one outcome per job, in job order; `log` gets the executor's own lines (enqueued, retried…) */
  run(jobs: TrialJob[], onEpoch: (index: number, e: EpochRecord) => void, log?: (line: string) => void): Promise<TrialOutcome[]>
}

/** The worker-thread pool: as before, a failing trial fails the whole sweep. */
export function localExecutor(concurrency?: number): TrialExecutor {
  return {
    name: 'local',
    async run(jobs, onEpoch) {
      const lanes = concurrency ?? Math.min(jobs.length, availableParallelism())
      const results = await runTrials(jobs, onEpoch, lanes)
      return results.map((result, index) => ({ index, status: 'finished', result, attempts: 1 }))
    },
  }
}
