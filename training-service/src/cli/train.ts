import { availableParallelism } from 'node:os'
import type { Command } from 'commander'
import { defaultDataPath, describeSource } from '../data/source.ts'
import { UserInputError } from '../errors.ts'
import { openHome } from '../home.ts'
import { trainAndRegister } from '../pipeline/tracked-train.ts'
import { DEFAULT_SWEEP, sweepSchema } from '../train/sweep.ts'
import { positiveInt } from './format-command.ts'
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
        concurrency: flags.concurrency ? positiveInt('--concurrency')(flags.concurrency) : availableParallelism(),
      }
      await describeSource(settings.dataFile)
      const home = openHome(flags.home)
      try {
        const summary = await trainAndRegister(home, settings, { model: flags.model, experiment: flags.experiment }, (line) =>
          process.stderr.write(`${line}\n`),
        )
        emit(Boolean(flags.json), summary, (v) =>
          [
            `${v.model} version ${v.version} from run ${v.runId}`,
            `validation AUC ${v.metrics.val_auc.toFixed(4)} vs baseline ${v.metrics.baseline_auc.toFixed(4)}; int8 AUC ${v.metrics.int8_val_auc.toFixed(4)}, ${v.metrics.int8_size_bytes} bytes`,
            `steps: ${v.steps.map((s) => `${s.name} ${s.status}`).join(', ')}`,
          ].join('\n'),
        )
      } finally {
        home.close()
      }
    })
}
