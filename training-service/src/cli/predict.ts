import type { Command } from 'commander'
import { createLocalScorer, type Scorer } from '../batch/local.ts'
import { parseModelRef, resolveModel } from '../batch/model.ts'
import { createRemoteScorer } from '../batch/remote.ts'
import { type ScoreSummary, scoreFile } from '../batch/score.ts'
import { UserInputError } from '../errors.ts'
import { openHome } from '../home.ts'
import { createLogger } from '../logging.ts'
import { createProgress } from '../progress.ts'
import { positiveInt, workerUrl } from './format-command.ts'
import { emit } from './output.ts'

interface PredictFlags {
  model: string
  input: string
  output: string
  via?: string
  concurrency: number
  home?: string
  logLevel?: string
  json?: boolean
}

function human(s: ScoreSummary): string {
  const reasons = Object.entries(s.rejectedByReason).map(([reason, n]) => `  ${n} × ${reason}`)
  return [
    `scored ${s.scored.toLocaleString('en-US')} of ${s.rows.toLocaleString('en-US')} rows with ${s.model} into ${s.output}`,
    `${s.seconds.toFixed(1)}s, ${Math.round(s.rowsPerSecond).toLocaleString('en-US')} rows/s`,
    ...(s.rejected > 0 ? [`rejected ${s.rejected.toLocaleString('en-US')} rows (${s.rejectedFile}):`, ...reasons] : []),
  ].join('\n')
}

export function registerPredictCommand(program: Command): void {
  program
    .command('predict')
    .description('score a CSV, JSON Lines or parquet file of flights with a registered model (or through the Worker with --via)')
    .requiredOption('--model <ref>', 'NAME, NAME@alias or NAME@version (default version: the latest)')
    .requiredOption('--input <file>', 'flights to score: .csv (with a header), .jsonl or .parquet')
    .requiredOption('--output <file>', 'scored rows: .csv or .jsonl (input columns + probability, delayed)')
    .option('--via <url>', "score through the Worker's predict route instead (TARMAC_API_KEY, TARMAC_ADMIN_KEY if set)")
    .option('--concurrency <n>', 'requests in flight with --via', positiveInt('--concurrency'), 4)
    .option('--home <dir>', 'state folder (default: $TARMAC_HOME or ./.tarmac)')
    .option('--log-level <level>', 'stderr log level (default: $TARMAC_LOG_LEVEL or info)')
    .option('--json', 'print machine-readable JSON')
    .action(async (flags: PredictFlags) => {
      const ref = parseModelRef(flags.model)
      const home = await openHome(flags.home)
      let scorer: Scorer | null = null
      try {
        const log = createLogger({ home: home.root, level: flags.logLevel, bindings: { cmd: 'predict' } })
        if (flags.via) {
          if (ref.selector !== null) throw new UserInputError('--via scores with the version the Worker serves: give --model NAME only')
          const apiKey = process.env.TARMAC_API_KEY
          const adminKey = process.env.TARMAC_ADMIN_KEY
          scorer = createRemoteScorer({
            url: workerUrl('--via', flags.via),
            model: ref.name,
            concurrency: flags.concurrency,
            apiKey,
            adminKey,
            log,
          })
        } else {
          const model = await resolveModel(home, ref)
          scorer = await createLocalScorer(model)
          log.setBindings({ runId: model.manifest.runId })
        }
        const summary = await scoreFile({ input: flags.input, output: flags.output, scorer, log, progress: createProgress('score') })
        emit(Boolean(flags.json), summary, human)
      } finally {
        await scorer?.close()
        await home.close()
      }
    })
}
