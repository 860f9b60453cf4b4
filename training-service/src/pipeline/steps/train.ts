import path from 'node:path'
import { NUMERIC_FEATURES } from '@tarmac/sdk/features'
import { auc } from '@tarmac/sdk/metrics'
import { localExecutor, type TrialOutcome } from '../../train/executor.ts'
import type { Featurized } from '../../train/features.ts'
import { expandSweep } from '../../train/sweep.ts'
import type { EpochRecord, TrialResult } from '../../train/trainer.ts'
import { loadBag, saveBag } from '../bag.ts'
import type { Step } from '../runner.ts'
import type { TrainSettings } from '../settings.ts'

/** One trial of the sweep as recorded: `attempts` counts its starts (more than 1 when a worker was lost). */
export type TrialSummary =
  | {
      status: 'finished'
      config: TrialResult['config']
      history: EpochRecord[]
      bestEpoch: number
      valAuc: number
      seconds: number
      backend: string
      attempts: number
    }
  | { status: 'failed'; config: TrialResult['config']; error: string; attempts: number }

export interface TrainOutput {
  trials: TrialSummary[]
  /** index of the best finished trial */
  best: number
  net: TrialResult['net']
  valPredictions: Float32Array
}

export interface TrainHooks {
  /** a trial finished: the caller records it as a child run */
  onTrial?: (index: number, trial: TrialSummary) => void | Promise<void>
}

/** The finished trial with the best validation AUC; failed trials are skipped, and if every trial failed, so does the sweep. */
export function pickBest(trials: TrialSummary[]): number {
  let best = -1
  trials.forEach((t, i) => {
    if (t.status !== 'finished') return
    const current = trials[best]
    if (best < 0 || (current.status === 'finished' && t.valAuc > current.valAuc)) best = i
  })
  if (best < 0) {
    const reasons = trials.map((t, i) => (t.status === 'failed' ? `trial ${i + 1}: ${t.error}` : '')).filter(Boolean)
    throw new Error(`every trial failed (${reasons.join('; ')})`)
  }
  return best
}

function summarize(outcome: TrialOutcome, config: TrialResult['config'], labels: Uint8Array): TrialSummary {
  if (outcome.status === 'failed') return { status: 'failed', config, error: outcome.error, attempts: outcome.attempts }
  const r = outcome.result
  return {
    status: 'finished',
    config: r.config,
    history: r.history,
    bestEpoch: r.bestEpoch,
    valAuc: auc(labels, r.valPredictions),
    seconds: r.seconds,
    backend: r.backend,
    attempts: outcome.attempts,
  }
}

/** Finished trials an earlier attempt of this very step (same key, so same sweep and inputs) checkpointed. */
async function loadCheckpoints(configs: TrialResult['config'][], dirOf: (index: number) => string): Promise<Map<number, TrialOutcome>> {
  const found = new Map<number, TrialOutcome>()
  for (const [index, config] of configs.entries()) {
    // a missing or unreadable checkpoint only means the trial runs again
    const outcome = await loadBag<TrialOutcome>(dirOf(index)).catch(() => null)
    if (outcome?.status === 'finished' && JSON.stringify(outcome.result.config) === JSON.stringify(config)) found.set(index, outcome)
  }
  return found
}

/** The sweep: every trial trained (checkpointed as it finishes), the best one by validation AUC kept. */
export function trainStep(
  s: Pick<TrainSettings, 'sweep' | 'concurrency' | 'executor'>,
  hooks: TrainHooks = {},
): Step<'train', { featurize: Featurized }, TrainOutput> {
  return {
    name: 'train',
    // 2: trials carry their status and attempts
    version: 2,
    needs: { featurize: true },
    // how many trials run at once and where does not change a trial's weights (seeded): not in the key
    params: { sweep: expandSweep(s.sweep) },
    cache: true,
    async run(inputs, log, checkpoints) {
      const f = inputs.featurize
      const configs = expandSweep(s.sweep)
      const shape = { numericWidth: NUMERIC_FEATURES.length, vocab: f.spec.airports.length }
      const executor = s.executor ?? localExecutor(s.concurrency)
      const trialDir = (index: number) => path.join(checkpoints, `trial-${index + 1}`)
      const earlier = await loadCheckpoints(configs, trialDir)
      const jobs = configs
        .map((config, index) => ({ index, config, shape, train: f.train, validate: f.validate }))
        .filter((job) => !earlier.has(job.index))
      if (earlier.size > 0) log(`${earlier.size} of ${configs.length} trials finished in an earlier attempt: taken from its checkpoints`)
      log(
        `${jobs.length} trial${jobs.length === 1 ? '' : 's'} ${executor.name === 'local' ? `on up to ${s.concurrency ?? 'all'} cores` : `on ${executor.name} workers`}`,
      )
      const fresh =
        jobs.length === 0
          ? []
          : await executor.run(jobs, {
              onEpoch: (i, e) =>
                log(
                  `trial ${i + 1}/${configs.length} ${configs[i].family} epoch ${e.epoch}: loss ${e.trainLoss.toFixed(4)} val AUC ${e.valAuc.toFixed(4)} (${e.seconds.toFixed(1)}s)`,
                ),
              // a finished trial is kept at once: if this process dies, the next attempt starts after it
              onOutcome: async (o) => {
                if (o.status !== 'finished') return
                await saveBag(trialDir(o.index), o)
                log(`trial ${o.index + 1}/${configs.length} checkpointed`)
              },
              log,
            })
      const outcomes: TrialOutcome[] = configs.map((_, i) => earlier.get(i) ?? (fresh.find((o) => o.index === i) as TrialOutcome))
      const trials = outcomes.map((o, i) => summarize(o, configs[i], f.validate.labels))
      for (const [i, t] of trials.entries()) await hooks.onTrial?.(i, t)
      const failed = trials.filter((t) => t.status === 'failed').length
      if (failed > 0) log(`${failed} of ${trials.length} trials failed; the best is chosen among the others`)
      const best = pickBest(trials)
      const chosen = outcomes[best] as Extract<TrialOutcome, { status: 'finished' }>
      log(`best: trial ${best + 1} (${trials[best].config.family}) val AUC ${(trials[best] as { valAuc: number }).valAuc.toFixed(4)}`)
      return { trials, best, net: chosen.result.net, valPredictions: chosen.result.valPredictions }
    },
  }
}
