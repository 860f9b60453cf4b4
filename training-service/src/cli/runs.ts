import { type Command, Option } from 'commander'
import { like } from 'drizzle-orm'
import { runDetailJson, runJson } from '../api/to-json.ts'
import type { Db } from '../db/open.ts'
import { RUN_STATUSES, type RunStatus } from '../db/schema.ts'
import { UserInputError } from '../errors.ts'
import { compareRuns, getRun, listRuns, type RunComparison, type RunDetail, type RunSummary } from '../tracking/index.ts'
import { type CommonFlags, inHome, positiveInt, stateCommand } from './format-command.ts'
import { ago, formatDuration, formatNumber, isoShort, MISSING, section, shortId, table } from './format-human.ts'

const KEY_METRICS = ['val_auc', 'baseline_auc']
const MIN_PREFIX = 6

type ListFlags = CommonFlags & { experiment?: string; status?: RunStatus; all?: boolean; limit: number }
type RunRow = Awaited<ReturnType<typeof runRow>>
type RunShow = Awaited<ReturnType<typeof showRun>>

export function registerRunsCommand(program: Command): void {
  const runsCommand = program.command('runs').description('tracked training runs: list, inspect, compare')

  stateCommand(runsCommand, 'list', 'runs newest first, with their key metrics')
    .option('--experiment <name>', 'only runs of this experiment')
    .addOption(new Option('--status <status>', 'only runs with this status').choices(RUN_STATUSES))
    .option('--all', 'include the trial runs of each sweep')
    .option('--limit <n>', 'show at most n runs', positiveInt('--limit'), 50)
    .action(
      inHome(
        async (home, flags: ListFlags) => {
          const runs = await listRuns(home.db, {
            experiment: flags.experiment,
            status: flags.status,
            parent: flags.all ? undefined : null,
            limit: flags.limit,
          })
          const rows: RunRow[] = []
          for (const run of runs) rows.push(await runRow(home.db, run))
          return rows
        },
        (rows) => (rows.length === 0 ? 'no runs' : runsTable(rows)),
      ),
    )

  stateCommand(
    runsCommand,
    'show <id>',
    `a run's params, final metrics, tags, artifacts and trials (id or a unique prefix of ≥ ${MIN_PREFIX})`,
  ).action(inHome(async (home, _flags: CommonFlags, id: string) => showRun(home.db, await resolveRunId(home.db, id)), formatRun))

  stateCommand(runsCommand, 'compare <ids...>', 'params and final metrics of runs side by side; differing params marked *').action(
    inHome(async (home, _flags: CommonFlags, ids: string[]) => {
      if (ids.length < 2) throw new UserInputError('compare needs at least two run ids')
      const resolved: string[] = []
      for (const id of ids) resolved.push(await resolveRunId(home.db, id))
      return compareRuns(home.db, resolved)
    }, formatComparison),
  )
}

/** Accepts a full id or, like git's short hashes, a unique prefix of at least six characters. */
export async function resolveRunId(db: Db, prefix: string): Promise<string> {
  const { runs } = db.t
  const wanted = prefix.toLowerCase()
  // only hex and dashes reach LIKE, so the prefix cannot smuggle in wildcards
  const matches =
    wanted.length >= MIN_PREFIX && /^[0-9a-f-]+$/.test(wanted)
      ? await db
          .select({ id: runs.id })
          .from(runs)
          .where(like(runs.id, `${wanted}%`))
          .limit(2)
      : []
  if (matches.length === 1) return matches[0].id
  if (matches.length > 1) throw new UserInputError(`run id prefix "${prefix}" matches several runs: give more characters`)
  if (wanted.length < MIN_PREFIX) throw new UserInputError(`run id "${prefix}" is too short: give at least ${MIN_PREFIX} characters`)
  throw new UserInputError(`unknown run "${prefix}"`)
}

// `tarmac train` learns the data version only after ingest, so it records it as a tag rather than on the run.
const dataVersionOf = (run: RunDetail) => run.dataVersion ?? run.tags.data_version ?? null

async function runRow(db: Db, run: RunSummary) {
  const detail = await getRun(db, run.id)
  return { ...runJson(detail), dataVersion: dataVersionOf(detail), metrics: detail.metrics }
}

async function showRun(db: Db, id: string) {
  const run = await getRun(db, id)
  const trials: RunRow[] = []
  for (const trial of await listRuns(db, { parent: id })) trials.push(await runRow(db, trial))
  return { ...runDetailJson(run), dataVersion: dataVersionOf(run), trials }
}

function runsTable(rows: RunRow[]): string {
  return table(
    [
      ['id', 'name', 'status', 'started', 'duration', 'data', ...KEY_METRICS],
      ...rows.map((r) => [
        shortId(r.id),
        r.name,
        r.status,
        ago(r.startedAt),
        formatDuration(r.startedAt, r.endedAt),
        r.dataVersion?.slice(0, 11) ?? MISSING,
        ...KEY_METRICS.map((key) => formatNumber(r.metrics[key])),
      ]),
    ],
    { maxCell: 20 },
  )
}

const pairs = <V>(record: Record<string, V>, format: (value: V) => string) =>
  table(
    Object.entries(record).map(([key, value]) => [key, format(value)]),
    { maxCell: 80, header: false },
  )

function formatRun(run: RunShow): string {
  const about = table(
    [
      ['run', `${run.id}  ${run.name}`],
      ['experiment', run.experiment],
      ['status', run.error ? `${run.status}: ${run.error}` : run.status],
      ['started', `${isoShort(run.startedAt)} (${ago(run.startedAt)})`],
      ['duration', formatDuration(run.startedAt, run.endedAt)],
      ['data', run.dataVersion ?? MISSING],
      ['git', run.gitCommit ?? MISSING],
      ['seed', run.seed === null ? MISSING : String(run.seed)],
      ...(run.parentRunId ? [['trial of', run.parentRunId]] : []),
    ],
    { maxCell: 90, header: false },
  )
  const artifacts = run.artifacts.map((a) => [a.path, formatNumber(a.size), a.sha256.slice(0, 12)])
  return [
    about,
    section('params', pairs(run.params, String)),
    section('metrics (final)', pairs(run.metrics, formatNumber)),
    section('tags', pairs(run.tags, String)),
    section('artifacts', artifacts.length === 0 ? '' : table([['path', 'bytes', 'sha256'], ...artifacts], { maxCell: 60 })),
    section(`trials (${run.trials.length})`, run.trials.length === 0 ? '' : runsTable(run.trials)),
  ]
    .filter((part) => part !== '')
    .join('\n')
}

function formatComparison(c: RunComparison): string {
  // split the 100 columns between the key column and one column per run
  const width = Math.max(10, Math.floor(100 / (c.runIds.length + 1)) - 2)
  const heading = (title: string) => [title, ...c.runIds.map(() => '')]
  return [
    table(
      [
        ['', ...c.runIds.map(shortId)],
        heading('params'),
        ...c.params.map((p) => [`${p.differs ? '*' : ' '} ${p.key}`, ...p.values.map((v) => v ?? MISSING)]),
        heading('metrics'),
        ...c.metrics.map((m) => [`  ${m.key}`, ...m.values.map(formatNumber)]),
      ],
      { maxCell: width },
    ),
    '* params that differ',
  ].join('\n')
}
