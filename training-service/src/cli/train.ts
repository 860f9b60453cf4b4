import { availableParallelism } from 'node:os'
import type { Command } from 'commander'
import { readLineage } from '../data/lineage.ts'
import { defaultDataPath, describeSource } from '../data/source.ts'
import { trailingWeeks, type Windows, windowSchema } from '../data/windows.ts'
import { bullmqExecutor } from '../distributed/bullmq-executor.ts'
import { checkRedisUrl, probeRedis } from '../distributed/redis.ts'
import { commandLine, writeRecord } from '../docs/record.ts'
import { UserInputError } from '../errors.ts'
import { openHome } from '../home.ts'
import { settingsFromParams, type TrainSettings } from '../pipeline/settings.ts'
import { type TrainSummary, trainAndRegister } from '../pipeline/tracked-train.ts'
import { LocalArtifactStore } from '../tracking/artifact-store.ts'
import { getRun } from '../tracking/queries.ts'
import { failAbandonedRuns } from '../tracking/runs.ts'
import type { TrialExecutor } from '../train/executor.ts'
import { DEFAULT_SWEEP, sweepSchema } from '../train/sweep.ts'
import { ablate } from './ablation.ts'
import { positiveInt } from './format-command.ts'
import { readJsonFile, readWindowsOption } from './options.ts'
import { emit } from './output.ts'
import { resolveRunId } from './runs.ts'
import { artifactsDir } from './worker.ts'

interface TrainFlags {
  data?: string
  windows?: string
  asOf?: string
  trainWeeks?: string
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
  resume?: string
  executor: string
  redis?: string
  artifacts?: string
  record?: string
  ablate?: boolean
}

export function registerTrainCommand(program: Command): void {
  program
    .command('train')
    .description('run the training pipeline: ingest → baseline ‖ featurize → sweep → evaluate → export → verify → register')
    .option('--data <file>', 'flights file (default: flights-3m.parquet from vega-datasets)')
    .option(
      '--windows <file>',
      'JSON file with train/validate/report/replay windows (validate selects; report, if absent the second half of validate, is untouched)',
    )
    .option('--train-weeks <k>', 'windows relative to --as-of instead: train on k weeks, validate on the week before --as-of')
    .option('--as-of <date>', 'end (exclusive, ISO date) of the validation week (default: the end of a pulled data version’s window)')
    .option('--sweep <file>', 'JSON sweep: {"base":{…},"trials":[{…}],"grid":{"learningRate":[0.001,0.003]}}')
    .option('--model <name>', 'registered model name', 'flight-delay')
    .option('--experiment <name>', 'experiment to record the run in', 'flight-delay')
    .option('--rows <n>', 'training-window rows the networks train on (the encoder sees all)', '200000')
    .option('--full', 'train on every row of the training window')
    .option('--seed <n>', 'seed of sampling, shuffles and initializers', '7')
    .option('--epochs <n>', 'override the epochs of every trial')
    .option('--concurrency <n>', 'parallel trials (default: number of cores)')
    .option('--executor <name>', 'where trials run: local (worker threads) or bullmq (`tarmac worker` processes)', 'local')
    .option('--redis <url>', 'Redis URL for --executor bullmq, e.g. redis://127.0.0.1:6379')
    .option('--artifacts <dir>', 'artifact directory shared with the workers (default: <home>/artifacts)')
    .option('--resume <run-id>', 'run a failed (or killed) run again with its own settings: finished steps and trials come from the cache')
    .option('--home <dir>', 'state folder (default: $TARMAC_HOME or ./.tarmac)')
    .option('--ablate', 'train one MLP per feature set (full, no minute-level, hour cells only) and the baseline; registers nothing')
    .option('--record <file>', 'also write the results, the command and the machine to this JSON file (docs/data/*.json)')
    .option('--json', 'print machine-readable JSON')
    .action(async (flags: TrainFlags) => {
      if (flags.resume) return resume(flags)
      const windows = await windowsOf(flags)
      let sweep = flags.sweep ? await readJsonFile(flags.sweep, sweepSchema) : DEFAULT_SWEEP
      if (flags.epochs) {
        const epochs = positiveInt('--epochs')(flags.epochs)
        sweep = { ...sweep, base: { ...sweep.base, epochs }, trials: (sweep.trials ?? []).map((t) => ({ ...t, epochs })) }
      }
      const seed = Number(flags.seed)
      if (!Number.isInteger(seed) || seed < 0) throw new UserInputError(`--seed must be a non-negative whole number, got "${flags.seed}"`)
      const settings = {
        dataFile: flags.data ?? defaultDataPath(),
        windows,
        sweep,
        trainRows: flags.full ? null : positiveInt('--rows')(flags.rows),
        seed,
        smoothing: 20,
        folds: 5,
        concurrency: concurrencyOf(flags),
      }
      if (flags.ablate) return ablate(settings, flags, commandLine())
      await train(flags, settings, { model: flags.model, experiment: flags.experiment })
    })
}

async function train(
  flags: TrainFlags,
  settings: TrainSettings,
  names: { model: string; experiment: string },
  resumedFrom?: string,
): Promise<void> {
  const executor = await executorOf(flags)
  await describeSource(settings.dataFile)
  const home = await openHome(flags.home)
  const started = performance.now()
  try {
    const summary = await trainAndRegister(home, { ...settings, executor }, names, (line) => process.stderr.write(`${line}\n`), resumedFrom)
    if (flags.record) await writeRecord(flags.record, commandLine(), started, { windows: settings.windows, ...summary })
    emit(Boolean(flags.json), summary, (v) =>
      [
        `${v.model} version ${v.version} from run ${v.runId}`,
        `report AUC ${v.metrics.report_auc.toFixed(4)} (untouched slice ${settings.windows.report.from}..${settings.windows.report.to}) vs baseline ${v.metrics.baseline_auc.toFixed(4)}${v.metrics.report_auc_logreg === undefined ? '' : `, logistic regression on the same encodings ${v.metrics.report_auc_logreg.toFixed(4)}`}`,
        `selection AUC ${v.metrics.val_auc.toFixed(4)} (${settings.windows.validate.from}..${settings.windows.validate.to}: early stopping, trial, threshold ${v.metrics.threshold.toFixed(3)})`,
        `int8 AUC ${v.metrics.int8_val_auc.toFixed(4)} on the selection slice, ${v.metrics.int8_size_bytes} bytes`,
        trialsLine(v.trials, v.bestTrial),
        ...v.trials.filter((t) => t.status === 'failed').map((t) => `  trial ${t.trial} failed after ${t.attempts} attempt(s): ${t.error}`),
        `steps: ${v.steps.map((s) => `${s.name} ${s.status}`).join(', ')}`,
      ].join('\n'),
    )
  } finally {
    await home.close()
  }
}

/** The settings a failed run recorded as params: resuming re-runs exactly that pipeline. */
async function resume(flags: TrainFlags): Promise<void> {
  const home = await openHome(flags.home)
  let settings: TrainSettings
  let names: { model: string; experiment: string }
  let runId: string
  try {
    runId = await resolveRunId(home.db, flags.resume!)
    await failAbandonedRuns(home.db, (line) => process.stderr.write(`${line}\n`))
    const run = await getRun(home.db, runId)
    if (run.status !== 'failed') throw new UserInputError(`run ${runId} is ${run.status}: only a failed run can be resumed`)
    const recorded = settingsFromParams(runId, run.params)
    settings = { ...recorded.settings, concurrency: concurrencyOf(flags) }
    names = { model: recorded.model, experiment: run.experiment }
  } finally {
    await home.close()
  }
  await train(flags, settings, names, runId)
}

/** --windows, or --train-weeks relative to --as-of (defaulting to the end of a pulled data version's window). */
async function windowsOf(flags: TrainFlags): Promise<Windows> {
  if (flags.trainWeeks === undefined) {
    if (flags.asOf) throw new UserInputError('--as-of needs --train-weeks')
    return readWindowsOption(flags.windows)
  }
  if (flags.windows) throw new UserInputError('give --windows or --train-weeks, not both')
  const weeks = positiveInt('--train-weeks')(flags.trainWeeks)
  const lineage = flags.data ? await readLineage(flags.data) : null
  const asOf = flags.asOf ?? lineage?.window.to.slice(0, 10)
  if (!asOf) throw new UserInputError('--train-weeks needs --as-of <date> (or --data of a pulled data version, whose window ends it)')
  const parsed = windowSchema.shape.from.safeParse(asOf)
  if (!parsed.success) throw new UserInputError(`--as-of must be an ISO date, got "${asOf}"`)
  return trailingWeeks(parsed.data, weeks)
}

const concurrencyOf = (flags: TrainFlags) => (flags.concurrency ? positiveInt('--concurrency')(flags.concurrency) : availableParallelism())

/** `--executor local` (worker threads, the default) or `--executor bullmq --redis URL`, checked before any work starts. */
async function executorOf(flags: TrainFlags): Promise<TrialExecutor | undefined> {
  if (flags.executor === 'local') {
    if (flags.redis) throw new UserInputError('--redis is only used with --executor bullmq')
    return undefined
  }
  if (flags.executor !== 'bullmq') throw new UserInputError(`--executor must be local or bullmq, got "${flags.executor}"`)
  if (!flags.redis) throw new UserInputError('--executor bullmq needs --redis <url>, e.g. --redis redis://127.0.0.1:6379')
  const redisUrl = checkRedisUrl(flags.redis)
  // fail in seconds with the URL named, rather than after ingest and featurize
  await probeRedis(redisUrl)
  return bullmqExecutor({ redisUrl, store: new LocalArtifactStore(artifactsDir(flags)) })
}

function trialsLine(trials: TrainSummary['trials'], best: number): string {
  const finished = trials.filter((t) => t.status === 'finished').length
  const retried = trials.filter((t) => t.attempts > 1).length
  return `trials: ${finished} of ${trials.length} finished${retried ? `, ${retried} retried on another worker` : ''}; best: trial ${best}`
}
