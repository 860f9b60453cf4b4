import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { z } from 'zod'
import { type TrialConfig, trialConfigSchema } from './family.ts'
import type { NetworkShape } from './network.ts'
import type { EncodedSplit, EpochRecord, TrialResult } from './trainer.ts'

const partialTrial = z.record(z.string(), z.unknown())

/**
 * A sweep file: explicit trials, and/or a grid expanded as the cartesian product over `base`. Trials are
 * validated after merging with the base, so an error names the trial it is in.
 */
export const sweepSchema = z
  .object({
    base: partialTrial.default({}),
    trials: z.array(partialTrial).default([]),
    grid: z.record(z.string(), z.array(z.unknown()).min(1, 'a grid axis needs at least one value')).default({}),
  })
  .strict()
export type SweepFile = z.input<typeof sweepSchema>

export const DEFAULT_SWEEP: SweepFile = {
  base: { epochs: 3, batchSize: 1024 },
  trials: [
    // the comparison must be a converged logistic regression: at 0.01 it was still improving after 3 epochs
    { family: 'logreg', learningRate: 0.05, epochs: 6 },
    { family: 'mlp', hidden: [64, 32], learningRate: 0.002 },
    { family: 'mlp', hidden: [128, 64], learningRate: 0.002 },
    { family: 'mlp', hidden: [64, 32], embeddingDim: 16, learningRate: 0.004 },
  ],
  grid: {},
}

/** Expands a sweep into validated trial configs; a bad value names the trial and the field. */
export function expandSweep(sweep: SweepFile): TrialConfig[] {
  const base = sweep.base ?? {}
  const raw: Record<string, unknown>[] = (sweep.trials ?? []).map((t) => ({ ...base, ...t }))
  const axes = Object.entries(sweep.grid ?? {})
  if (axes.length > 0) {
    let combos: Record<string, unknown>[] = [{}]
    for (const [field, values] of axes) combos = combos.flatMap((c) => values.map((v) => ({ ...c, [field]: v })))
    raw.push(...combos.map((c) => ({ ...base, ...c })))
  }
  if (raw.length === 0) throw new Error('the sweep has no trials: give "trials" or a "grid"')
  return raw.map((t, i) => parseTrialConfig(t, i))
}

/** One trial's config, validated: a bad value throws an error naming the trial (1-based) and the field. */
export function parseTrialConfig(raw: unknown, index: number): TrialConfig {
  const parsed = trialConfigSchema.safeParse(raw)
  if (parsed.success) return parsed.data
  const issue = parsed.error.issues[0]
  throw new Error(`trial ${index + 1}: ${issue.path.join('.') || '(trial)'} ${issue.message}`)
}

export interface TrialJob {
  index: number
  config: TrialConfig
  shape: NetworkShape
  train: EncodedSplit
  validate: EncodedSplit
}

export type WorkerMessage =
  | { type: 'epoch'; index: number; epoch: EpochRecord }
  | { type: 'done'; result: TrialResult }
  | { type: 'error'; message: string }

/**
 * Runs trials on worker threads, at most `concurrency` at once (one per core by default); results in job order.
 * `onResult` hears of each trial as it finishes and is awaited before that lane takes the next one.
 */
export async function runTrials(
  jobs: TrialJob[],
  onEpoch: (index: number, e: EpochRecord) => void,
  concurrency = Math.min(jobs.length, availableParallelism()),
  onResult?: (job: TrialJob, result: TrialResult) => void | Promise<void>,
): Promise<TrialResult[]> {
  const results: TrialResult[] = new Array(jobs.length)
  let next = 0
  const lane = async () => {
    while (next < jobs.length) {
      const position = next++
      const job = jobs[position]
      results[position] = await runInWorker(job, onEpoch)
      await onResult?.(job, results[position])
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, lane))
  return results
}

/** The trial's own code threw (a bad config, a shape mismatch): running it again would throw again. */
export class TrialFailedError extends Error {
  override name = 'TrialFailedError'
}

/** Runs one trial on a fresh worker thread; an error thrown by the trial rejects with TrialFailedError. */
export function runInWorker(job: TrialJob, onEpoch: (index: number, e: EpochRecord) => void): Promise<TrialResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./trial-worker.mjs', import.meta.url), { workerData: job })
    let settled = false
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'epoch') onEpoch(m.index, m.epoch)
      else {
        settled = true
        void worker.terminate()
        if (m.type === 'done') resolve(m.result)
        else reject(new TrialFailedError(`trial ${job.index + 1}: ${m.message}`))
      }
    })
    worker.on('error', (e) => {
      settled = true
      reject(new Error(`trial ${job.index + 1}: ${e.message}`))
    })
    worker.on('exit', (code) => {
      if (!settled) reject(new Error(`trial ${job.index + 1}: worker exited with code ${code}`))
    })
  })
}
