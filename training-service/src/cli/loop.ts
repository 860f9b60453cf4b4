import type { Command } from 'commander'
import { UserInputError, userFacing } from '../errors.ts'
import type { Home } from '../home.ts'
import { type CanaryJudgement, judgeCanary } from '../loop/judge-canary.ts'
import { type RetrainRecord, retrainOnCapture } from '../loop/retrain.ts'
import { aliasHistory } from '../registry/aliases.ts'
import { DEFAULT_SWEEP, sweepSchema } from '../train/sweep.ts'
import { type CommonFlags, inHome, nonNegative, positiveInt, stateCommand, workerUrl } from './format-command.ts'
import { readJsonFile } from './options.ts'
import { adminKeyFromEnv } from './publish.ts'

const DAY_MS = 86_400_000
const log = (line: string) => process.stderr.write(`${line}\n`)

/** An ISO date or date-time flag as epoch ms. */
function instant(flag: string, text: string): number {
  const ms = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text) ? Date.parse(text) : Number.NaN
  if (Number.isNaN(ms)) throw new UserInputError(`${flag} must be an ISO date or date-time, got "${text}"`)
  return ms
}

/** The Worker's errors (a wrong key, an unreachable URL) are the user's to fix: one line, exit 2. */
async function againstWorker<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (error) {
    throw userFacing(error)
  }
}

type RetrainFlags = CommonFlags & {
  url: string
  model: string
  experiment: string
  trainWeeks: number
  asOf?: string
  labelMaturityDays: number
  sweep?: string
  seed: number
  actor: string
  reason?: string
}

type CanaryFlags = CommonFlags & {
  url: string
  model: string
  from?: string
  to?: string
  onLabels?: boolean
  labelMaturityDays: number
  minDays: number
  margin: number
  dryRun?: boolean
  actor: string
}

/**
 * The production loop's two steps, the same code `tarmac start` runs on its replayed clock: `retrain` (the
 * Worker's labelled capture → a candidate, compared with the champion on the same recent rows, published as
 * challenger if it is not worse) and `canary` (the Worker's record of the challenger's canary → promoted,
 * withdrawn or extended).
 */
export function registerLoopCommands(program: Command): void {
  stateCommand(
    program,
    'retrain',
    "retrain on the Worker's labelled capture; publish the candidate as challenger if it is not worse than the champion",
  )
    .requiredOption('--url <url>', 'the edge Worker; the admin key comes from TARMAC_ADMIN_KEY')
    .option('--model <name>', 'registered model name', 'flight-delay')
    .option('--experiment <name>', 'experiment to record the run in', 'flight-delay')
    .option(
      '--train-weeks <k>',
      'labelled weeks to train on, before the latest week (selection and report)',
      positiveInt('--train-weeks'),
      4,
    )
    .option('--as-of <date>', 'end (exclusive, ISO date) of the labelled capture (default: today − --label-maturity-days)')
    .option(
      '--label-maturity-days <n>',
      "days after which a flight's label has come back (the Worker's LABEL_MATURITY_DAYS)",
      positiveInt('--label-maturity-days'),
      7,
    )
    .option('--sweep <file>', "JSON sweep the candidate's trials come from (default: the built-in sweep)")
    .option('--seed <n>', 'seed of sampling, shuffles and initializers', nonNegative('--seed'), 7)
    .option('--actor <name>', 'who moves the alias, for the audit trail', 'tarmac retrain')
    .option('--reason <text>', 'why this retrain ran (an alert, a schedule), recorded in the alias history')
    .action(
      inHome(async (home: Home, flags: RetrainFlags): Promise<RetrainRecord> => {
        const asOf = flags.asOf
          ? instant('--as-of', flags.asOf)
          : Math.floor(Date.now() / DAY_MS) * DAY_MS - flags.labelMaturityDays * DAY_MS
        if (asOf % DAY_MS !== 0) throw new UserInputError(`--as-of must be a date (a day's start), got "${flags.asOf}"`)
        const sweep = flags.sweep ? await readJsonFile(flags.sweep, sweepSchema) : DEFAULT_SWEEP
        const url = workerUrl('--url', flags.url)
        const adminKey = adminKeyFromEnv()
        return againstWorker(() =>
          retrainOnCapture(home, {
            worker: { url, adminKey },
            model: flags.model,
            experiment: flags.experiment,
            labelledUntil: asOf,
            weeks: flags.trainWeeks,
            training: { sweep, seed: flags.seed, smoothing: 20, folds: 5 },
            actor: flags.actor,
            trigger: flags.reason,
            log,
          }),
        )
      }, formatRetrain),
    )

  stateCommand(program, 'canary', "judge the challenger's canary on what the Worker recorded, and promote or withdraw it")
    .requiredOption('--url <url>', 'the edge Worker; the admin key comes from TARMAC_ADMIN_KEY')
    .option('--model <name>', 'registered model name', 'flight-delay')
    .option('--from <time>', 'start of the canary window, ISO (default: when the challenger alias was set in the registry)')
    .option('--to <time>', 'end of the canary window, ISO (default: now, or now − --label-maturity-days with --on-labels)')
    .option('--on-labels', "also compare realized AUC over the window: its flights' labels must have come back")
    .option(
      '--label-maturity-days <n>',
      "days after which a flight's label has come back (the Worker's LABEL_MATURITY_DAYS)",
      positiveInt('--label-maturity-days'),
      7,
    )
    .option('--min-days <n>', 'extend the canary while its window is shorter than this', nonNegative('--min-days'), 1)
    .option('--margin <auc>', "how far below the champion's realized AUC the challenger may fall on labels", nonNegative('--margin'), 0.02)
    .option('--dry-run', 'judge and print the verdict; move no alias')
    .option('--actor <name>', 'who moves the alias, for the audit trail', 'tarmac canary')
    .action(
      inHome(async (home: Home, flags: CanaryFlags): Promise<CanaryJudgement> => {
        const to = flags.to ? instant('--to', flags.to) : Date.now() - (flags.onLabels ? flags.labelMaturityDays * DAY_MS : 0)
        const from = flags.from ? instant('--from', flags.from) : await challengerSince(home, flags.model)
        if (flags.from && flags.to && from >= to)
          throw new UserInputError(`--from must be before --to (${new Date(from).toISOString()} ≥ ${new Date(to).toISOString()})`)
        const url = workerUrl('--url', flags.url)
        const adminKey = adminKeyFromEnv()
        return againstWorker(() =>
          judgeCanary(home, {
            worker: { url, adminKey },
            model: flags.model,
            from,
            to,
            onLabels: Boolean(flags.onLabels),
            margin: flags.margin,
            minDays: flags.minDays,
            actor: flags.actor,
            dryRun: flags.dryRun,
          }),
        )
      }, formatJudgement),
    )
}

/** When the registry last gave the challenger alias to a version: where its canary began. */
async function challengerSince(home: Home, model: string): Promise<number> {
  const [latest] = await aliasHistory(home.db, model, 'challenger')
  if (!latest || latest.toVersion === null) throw new UserInputError(`"${model}" has no challenger on canary (nothing to judge)`)
  return latest.at.getTime()
}

function formatRetrain(r: RetrainRecord): string {
  const compared = `report AUC ${r.reportAuc.toFixed(4)} vs champion v${r.champion} ${r.championAucSameRows.toFixed(4)} on ${r.windows.report.from}..${r.windows.report.to}`
  return r.outcome === 'gate'
    ? `v${r.version} registered, not published: ${compared}`
    : `v${r.version} published as challenger: ${compared}; \`tarmac canary\` judges it`
}

function formatJudgement(j: CanaryJudgement): string {
  const verb = { promoted: 'promoted to champion', withdrawn: 'withdrawn', extended: 'stays on canary' }[j.outcome]
  return `v${j.challenger} ${j.applied || j.outcome === 'extended' ? verb : `would be ${verb} (dry run)`}: ${j.reason}`
}
