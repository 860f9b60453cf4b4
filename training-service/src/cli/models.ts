import { type Command, Option } from 'commander'
import { aliasEventJson, versionJson } from '../api/to-json.ts'
import type { Db } from '../db/open.ts'
import { UserInputError } from '../errors.ts'
import {
  aliasHistory,
  type GateConfig,
  type GateResult,
  getModel,
  listModels,
  type ModelSummary,
  promote,
  rollback,
  versionAt,
} from '../registry/index.ts'
import { type CommonFlags, inHome, nonNegative, positiveInt, stateCommand } from './format-command.ts'
import { ago, clip, formatNumber, isoShort, MISSING, section, shortId, table } from './format-human.ts'

const DEFAULT_ALIAS = 'champion'

type AliasFlags = CommonFlags & { alias: string; reason?: string; actor: string }
type PromoteFlags = AliasFlags & { force?: boolean; minAucGain?: number; maxEce?: number }
type HistoryFlags = CommonFlags & { alias?: string; at?: string }
type AliasEventJson = ReturnType<typeof aliasEventJson>
type ModelShow = Awaited<ReturnType<typeof showModel>>
type Promoted = { event: AliasEventJson; gates: GateResult[] }
type History = { name: string; events: AliasEventJson[] } | { name: string; alias: string; at: string; version: number | null }

export function registerModelsCommand(program: Command): void {
  const models = program.command('models').description('the model registry: versions, aliases, gated promotion, rollback')

  stateCommand(models, 'list', 'registered models with their latest version and aliases').action(
    inHome((home) => listModels(home.db), formatModels),
  )

  stateCommand(models, 'show <name>', "a model's versions with key metrics, its aliases and their history (newest first)").action(
    inHome((home, _flags: CommonFlags, name: string) => showModel(home.db, name), formatModel),
  )

  aliasChange(
    stateCommand(models, 'promote', 'give a version an alias if it passes the promotion gates')
      .argument('<name>', 'registered model name')
      .argument('<version>', 'version number', positiveInt('version'))
      .option('--force', 'take the alias even if gates fail (needs --reason; recorded as an override)')
      .option('--min-auc-gain <x>', 'override the val_auc gain required over the current holder', nonNegative('--min-auc-gain'))
      .option('--max-ece <x>', 'override the highest val_ece allowed', nonNegative('--max-ece')),
  ).action(
    inHome(async (home, flags: PromoteFlags, name: string, version: number) => {
      // an override must say why: the default reason would leave the audit trail without one
      if (flags.force && flags.reason === undefined)
        throw new UserInputError('--force needs --reason "…" saying why the gates are overridden')
      const gates: Partial<GateConfig> = {}
      if (flags.minAucGain !== undefined) gates.minAucGain = flags.minAucGain
      if (flags.maxEce !== undefined) gates.maxEce = flags.maxEce
      const { event, gates: results } = await promote(home.db, name, version, {
        alias: flags.alias,
        force: flags.force,
        actor: flags.actor,
        reason: flags.reason ?? 'promoted with the tarmac CLI',
        gates,
      })
      return { event: aliasEventJson(event), gates: results }
    }, formatPromotion),
  )

  aliasChange(stateCommand(models, 'rollback <name>', 'move an alias back to the version it held before')).action(
    inHome(
      async (home, flags: AliasFlags, name: string) =>
        aliasEventJson(
          await rollback(home.db, name, flags.alias, { actor: flags.actor, reason: flags.reason ?? 'rolled back with the tarmac CLI' }),
        ),
      (e) => `${e.alias} of ${e.name}: version ${e.fromVersion} → ${e.toVersion} (rolled back by ${e.actor})`,
    ),
  )

  stateCommand(models, 'history <name>', 'alias changes newest first, or with --at the version an alias held at a time')
    .option('--alias <alias>', `only this alias (with --at: default ${DEFAULT_ALIAS})`)
    .option('--at <time>', 'ISO time, e.g. 2026-03-01T12:00:00Z')
    .action(inHome((home, flags: HistoryFlags, name: string) => history(home.db, name, flags), formatHistory))
}

/** The options of the commands that move an alias: which alias, and who and why for the audit trail. */
function aliasChange(command: Command): Command {
  return command
    .option('--alias <alias>', 'alias to move', DEFAULT_ALIAS)
    .option('--reason <text>', 'why, recorded in the alias history')
    .addOption(new Option('--actor <name>', 'who, recorded in the alias history').default(process.env.USER || 'cli', '$USER or "cli"'))
}

async function showModel(db: Db, name: string) {
  const model = await getModel(db, name)
  return {
    name: model.name,
    description: model.description,
    createdAt: isoShort(model.createdAt),
    aliases: model.aliases,
    versions: model.versions.map(versionJson),
    history: (await aliasHistory(db, name)).map(aliasEventJson),
  }
}

async function history(db: Db, name: string, flags: HistoryFlags): Promise<History> {
  if (flags.at === undefined) return { name, events: (await aliasHistory(db, name, flags.alias)).map(aliasEventJson) }
  const at = new Date(flags.at)
  if (Number.isNaN(at.getTime())) throw new UserInputError(`--at must be an ISO time such as 2026-03-01T12:00:00Z, got "${flags.at}"`)
  const alias = flags.alias ?? DEFAULT_ALIAS
  return { name, alias, at: at.toISOString(), version: await versionAt(db, name, alias, at) }
}

const aliasList = (aliases: Record<string, number>) =>
  Object.entries(aliases)
    .map(([alias, version]) => `${alias} → ${version}`)
    .join(', ') || MISSING

function formatModels(models: ModelSummary[]): string {
  if (models.length === 0) return 'no registered models'
  return table([
    ['name', 'latest', 'aliases', 'created', 'description'],
    ...models.map((m) => [m.name, formatNumber(m.latestVersion), aliasList(m.aliases), ago(m.createdAt), m.description]),
  ])
}

function historyTable(events: AliasEventJson[]): string {
  if (events.length === 0) return ''
  return table([
    ['at', 'alias', 'action', 'version', 'actor', 'forced', 'reason'],
    ...events.map((e) => [
      isoShort(e.at),
      e.alias,
      e.action,
      `${e.fromVersion ?? MISSING} → ${e.toVersion ?? MISSING}`,
      clip(e.actor, 10),
      e.forced ? 'forced' : '',
      clip(e.reason, 26),
    ]),
  ])
}

function formatModel(model: ModelShow): string {
  const aliasesOf = (version: number) =>
    Object.entries(model.aliases)
      .filter(([, v]) => v === version)
      .map(([alias]) => alias)
      .join(', ')
  const versions = table(
    [
      ['version', 'aliases', 'created', 'run', 'val_auc', 'baseline', 'val_ece', 'int8 size', 'latency'],
      ...model.versions.map((v) => [
        String(v.version),
        aliasesOf(v.version),
        ago(v.createdAt),
        shortId(v.runId),
        ...['val_auc', 'baseline_auc', 'val_ece', 'int8_size_bytes', 'latency_us'].map((key) => formatNumber(v.metrics[key])),
      ]),
    ],
    { maxCell: 17 },
  )
  return [
    `${model.name}${model.description ? ` — ${model.description}` : ''}`,
    `aliases  ${aliasList(model.aliases)}`,
    section('versions (latency in µs)', versions),
    section('alias history (newest first)', historyTable(model.history)),
  ]
    .filter((part) => part !== '')
    .join('\n')
}

function formatPromotion({ event, gates }: Promoted): string {
  const failed = gates.filter((g) => !g.passed).length
  return [
    `${event.name} version ${event.toVersion} is now ${event.alias}${event.fromVersion === null ? '' : ` (was version ${event.fromVersion})`}`,
    table(
      gates.map((g) => [g.passed ? '  ✓' : '  ✗', g.gate, g.detail]),
      { maxCell: 80, header: false },
    ),
    ...(event.forced ? [`forced past ${failed} failed gate(s) by ${event.actor}: ${event.reason}`] : []),
  ].join('\n')
}

function formatHistory(h: History): string {
  if ('events' in h) return historyTable(h.events) || `no alias changes for ${h.name}`
  return `${h.alias} of ${h.name} at ${isoShort(h.at)}: ${h.version === null ? 'no version' : `version ${h.version}`}`
}
