import { execFileSync } from 'node:child_process'
import { availableParallelism } from 'node:os'
import type { Command } from 'commander'
import { defaultDataPath, describeSource } from '../data/source.ts'
import { UserInputError } from '../errors.ts'
import { openHome } from '../home.ts'
import { registerExport } from '../pipeline/register.ts'
import { runPipeline, type Step } from '../pipeline/runner.ts'
import { parityMetrics, summaryMetrics, type TrainResults, trainSteps } from '../pipeline/train-pipeline.ts'
import { finishRun, logMetrics, logParams, setTag, startRun } from '../tracking/index.ts'
import type { Featurized } from '../train/features.ts'
import { DEFAULT_SWEEP, sweepSchema } from '../train/sweep.ts'
import { readJsonFile, readWindowsOption } from './options.ts'
import { emit } from './output.ts'

interface TrainFlags {
  data?: string
  windows?: string
  sweep?: string
  model: string
  experiment: string
  rows: string
  full?: boolean
  seed: string
  epochs?: string
  concurrency?: string
  home?: string
  json?: boolean
}

function positiveInt(flag: string, value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n <= 0) throw new UserInputError(`${flag} must be a positive whole number, got "${value}"`)
  return n
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

export function registerTrainCommand(program: Command): void {
  program
    .command('train')
    .description('run the training pipeline: ingest → baseline ‖ featurize → sweep → evaluate → export → verify → register')
    .option('--data <file>', 'flights file (default: flights-3m.parquet from vega-datasets)')
    .option('--windows <file>', 'JSON file with train/validate/replay windows')
    .option('--sweep <file>', 'JSON sweep: {"base":{…},"trials":[{…}],"grid":{"learningRate":[0.001,0.003]}}')
    .option('--model <name>', 'registered model name', 'flight-delay')
    .option('--experiment <name>', 'experiment to record the run in', 'flight-delay')
    .option('--rows <n>', 'training-window rows the networks train on (the encoder sees all)', '200000')
    .option('--full', 'train on every row of the training window')
    .option('--seed <n>', 'seed of sampling, shuffles and initializers', '7')
    .option('--epochs <n>', 'override the epochs of every trial')
    .option('--concurrency <n>', 'parallel trials (default: number of cores)')
    .option('--home <dir>', 'state folder (default: $TARMAC_HOME or ./.tarmac)')
    .option('--json', 'print machine-readable JSON')
    .action(async (flags: TrainFlags) => {
      const windows = await readWindowsOption(flags.windows)
      let sweep = flags.sweep ? await readJsonFile(flags.sweep, sweepSchema) : DEFAULT_SWEEP
      if (flags.epochs) {
        const epochs = positiveInt('--epochs', flags.epochs)
        sweep = { ...sweep, base: { ...sweep.base, epochs }, trials: (sweep.trials ?? []).map((t) => ({ ...t, epochs })) }
      }
      const seed = Number(flags.seed)
      if (!Number.isInteger(seed) || seed < 0) throw new UserInputError(`--seed must be a non-negative whole number, got "${flags.seed}"`)
      const settings = {
        dataFile: flags.data ?? defaultDataPath(),
        windows,
        sweep,
        trainRows: flags.full ? null : positiveInt('--rows', flags.rows),
        seed,
        smoothing: 20,
        folds: 5,
        concurrency: flags.concurrency ? positiveInt('--concurrency', flags.concurrency) : availableParallelism(),
      }
      await describeSource(settings.dataFile)
      const home = openHome(flags.home)
      const log = (line: string) => process.stderr.write(`${line}\n`)
      const run = startRun(home.db, {
        experiment: flags.experiment,
        name: `train-${flags.model}`,
        gitCommit: gitCommit(),
        seed,
        environment: { node: process.version, platform: `${process.platform}-${process.arch}`, cores: String(availableParallelism()) },
      })
      log(`run ${run.id} in experiment "${flags.experiment}"`)
      logParams(home.db, run.id, {
        model: flags.model,
        train_rows: settings.trainRows ?? 'all',
        seed,
        smoothing: settings.smoothing,
        folds: settings.folds,
        windows: JSON.stringify(windows),
        sweep: JSON.stringify(sweep),
      })
      const steps: Step[] = [
        ...trainSteps(settings, {
          onTrial: (index, trial) => {
            const child = startRun(home.db, {
              experiment: flags.experiment,
              name: `trial-${index + 1}-${trial.config.family}`,
              parentRunId: run.id,
              seed: trial.config.seed,
            })
            logParams(
              home.db,
              child.id,
              Object.fromEntries(Object.entries(trial.config).map(([k, v]) => [k, typeof v === 'object' ? JSON.stringify(v) : v])),
            )
            for (const e of trial.history)
              logMetrics(home.db, child.id, { train_loss: e.trainLoss, val_loss: e.valLoss, val_auc_epoch: e.valAuc }, { step: e.epoch })
            logMetrics(home.db, child.id, { val_auc: trial.valAuc, seconds: trial.seconds, best_epoch: trial.bestEpoch })
            setTag(home.db, child.id, 'tfjs_backend', trial.backend)
            finishRun(home.db, child.id, 'finished')
          },
        }),
        {
          name: 'register',
          version: 1,
          needs: ['ingest', 'baseline', 'featurize', 'train', 'evaluate', 'export', 'verify'],
          params: { model: flags.model },
          cache: true,
          async run(inputs, stepLog) {
            const r = inputs as unknown as TrainResults & { featurize: Featurized }
            const manifest = await registerExport(home.db, home.store, {
              name: flags.model,
              runId: run.id,
              dataVersion: r.ingest.dataVersion,
              family: r.train.trials[r.train.best].config.family,
              models: { fp32: r.export.fp32, int8: r.export.int8 },
              encoder: r.featurize.spec,
              threshold: r.evaluate.threshold,
              metrics: summaryMetrics(r),
              parity: parityMetrics(r.verify),
              referenceProfile: r.export.referenceProfile,
              embedded: r.train.net.embeddings.length > 0,
            })
            stepLog(`registered ${manifest.name} version ${manifest.version}`)
            return { version: manifest.version }
          },
        },
      ]
      try {
        const result = await runPipeline(steps, home.cacheDir, log)
        const [ingest, baseline, train, evaluate, exported, verify, registered] = await Promise.all(
          ['ingest', 'baseline', 'train', 'evaluate', 'export', 'verify', 'register'].map((n) => result.output<unknown>(n)),
        )
        const r = { ingest, baseline, train, evaluate, export: exported, verify } as TrainResults
        const { version } = registered as { version: number }
        logMetrics(home.db, run.id, summaryMetrics(r))
        const best = r.train.trials[r.train.best]
        for (const e of best.history)
          logMetrics(home.db, run.id, { train_loss: e.trainLoss, val_loss: e.valLoss, val_auc_epoch: e.valAuc }, { step: e.epoch })
        setTag(home.db, run.id, 'data_version', r.ingest.dataVersion)
        setTag(home.db, run.id, 'model_version', `${flags.model}@${version}`)
        for (const report of result.reports) setTag(home.db, run.id, `step.${report.name}`, report.status)
        finishRun(home.db, run.id, result.reports.every((s) => s.status === 'cached') ? 'cached' : 'finished')
        const summary = {
          runId: run.id,
          model: flags.model,
          version,
          dataVersion: r.ingest.dataVersion,
          metrics: summaryMetrics(r),
          steps: result.reports,
        }
        emit(Boolean(flags.json), summary, (v) =>
          [
            `${v.model} version ${v.version} from run ${v.runId}`,
            `validation AUC ${v.metrics.val_auc.toFixed(4)} vs baseline ${v.metrics.baseline_auc.toFixed(4)}; int8 AUC ${v.metrics.int8_val_auc.toFixed(4)}, ${v.metrics.int8_size_bytes} bytes`,
            `steps: ${v.steps.map((s) => `${s.name} ${s.status}`).join(', ')}`,
          ].join('\n'),
        )
      } catch (error) {
        finishRun(home.db, run.id, 'failed', (error as Error).message)
        throw error
      } finally {
        home.close()
      }
    })
}
