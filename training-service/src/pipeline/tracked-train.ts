import { execFileSync } from 'node:child_process'
import { availableParallelism, hostname } from 'node:os'
import type { Home } from '../home.ts'
import { failAbandonedRuns, finishRun, logMetrics, logParams, setTag, startRun } from '../tracking/index.ts'
import { runPipeline, type StepReport } from './runner.ts'
import { settingsToParams, type TrainSettings } from './settings.ts'
import { summaryMetrics } from './steps/register.ts'
import { trainPipeline } from './train-pipeline.ts'

export interface TrainSummary {
  runId: string
  model: string
  version: number
  dataVersion: string
  metrics: Record<string, number>
  steps: StepReport[]
  /** the sweep's results table: one row per trial, failed ones with their error */
  trials: { trial: number; family: string; status: 'finished' | 'failed'; attempts: number; valAuc?: number; error?: string }[]
  /** the trial the registered model comes from (1-based) */
  bestTrial: number
}

function gitCommit(): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim()
  } catch {
    return undefined
  }
}

/**
 * One tracked training run: the pipeline DAG (its last step registers the model), every trial a child run, the
 * run's params, metric series and tags recorded, and the run marked failed with the error if a step fails.
 */
export async function trainAndRegister(
  home: Home,
  settings: TrainSettings,
  names: { model: string; experiment: string },
  log: (line: string) => void,
  resumedFrom?: string,
): Promise<TrainSummary> {
  const { db } = home
  await failAbandonedRuns(db, log)
  const run = await startRun(db, {
    experiment: names.experiment,
    name: `train-${names.model}`,
    gitCommit: gitCommit(),
    seed: settings.seed,
    environment: {
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      cores: String(availableParallelism()),
      // lets a later `tarmac train` tell a run whose process died from one still going
      host: hostname(),
      pid: String(process.pid),
    },
  })
  log(`run ${run.id} in experiment "${names.experiment}"${resumedFrom ? `, resuming run ${resumedFrom}` : ''}`)
  if (resumedFrom) await setTag(db, run.id, 'resumed_from', resumedFrom)
  await logParams(db, run.id, settingsToParams(settings, names.model))
  const steps = trainPipeline(
    settings,
    {
      onTrial: async (index, trial) => {
        const child = await startRun(db, {
          experiment: names.experiment,
          name: `trial-${index + 1}-${trial.config.family}`,
          parentRunId: run.id,
          seed: trial.config.seed,
        })
        await logParams(
          db,
          child.id,
          Object.fromEntries(Object.entries(trial.config).map(([k, v]) => [k, typeof v === 'object' ? JSON.stringify(v) : v])),
        )
        // how often the trial was started: above 1 when a worker was lost and another one took it over
        await logMetrics(db, child.id, { attempts: trial.attempts })
        if (trial.status === 'failed') {
          await finishRun(db, child.id, 'failed', trial.error)
          return
        }
        for (const e of trial.history)
          await logMetrics(db, child.id, { train_loss: e.trainLoss, val_loss: e.valLoss, val_auc_epoch: e.valAuc }, { step: e.epoch })
        await logMetrics(db, child.id, { val_auc: trial.valAuc, seconds: trial.seconds, best_epoch: trial.bestEpoch })
        await setTag(db, child.id, 'tfjs_backend', trial.backend)
        await finishRun(db, child.id, 'finished')
      },
    },
    { db, store: home.store, runId: run.id, model: names.model },
  )
  try {
    const result = await runPipeline(steps, home.cacheDir, log)
    const r = await result.outputs({
      ingest: true,
      baseline: true,
      train: true,
      evaluate: true,
      export: true,
      verify: true,
      register: true,
    })
    const { version } = r.register
    const metrics = summaryMetrics(r)
    await logMetrics(db, run.id, metrics)
    const best = r.train.trials[r.train.best]
    for (const e of best.status === 'finished' ? best.history : []) {
      await logMetrics(db, run.id, { train_loss: e.trainLoss, val_loss: e.valLoss, val_auc_epoch: e.valAuc }, { step: e.epoch })
    }
    await setTag(db, run.id, 'data_version', r.ingest.dataVersion)
    await setTag(db, run.id, 'model_version', `${names.model}@${version}`)
    for (const report of result.reports) await setTag(db, run.id, `step.${report.name}`, report.status)
    await finishRun(db, run.id, result.reports.every((s) => s.status === 'cached') ? 'cached' : 'finished')
    const trials = r.train.trials.map((t, i) => ({
      trial: i + 1,
      family: t.config.family,
      status: t.status,
      attempts: t.attempts,
      ...(t.status === 'finished' ? { valAuc: t.valAuc } : { error: t.error }),
    }))
    return {
      runId: run.id,
      model: names.model,
      version,
      dataVersion: r.ingest.dataVersion,
      metrics,
      steps: result.reports,
      trials,
      bestTrial: r.train.best + 1,
    }
  } catch (error) {
    await finishRun(db, run.id, 'failed', (error as Error).message)
    throw error
  }
}
