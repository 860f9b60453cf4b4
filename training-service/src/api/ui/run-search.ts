import { invalidArgument } from '../../errors.ts'
import type { RunRow } from './queries.ts'

/**
 * The runs page's search, in MLflow's search syntax: clauses joined by `and`, each `<field> <op> <value>`,
 * where a field is `metrics.<key>`, `params.<key>`, `tags.<key>` or one of the run's attributes.
 * Examples: `metrics.val_auc > 0.8`, `params.family = 'mlp' and status = finished`, `params.hidden ~ 32`.
 */

export const ATTRIBUTES = ['name', 'status', 'experiment', 'data_version', 'git_commit', 'id'] as const
type Attribute = (typeof ATTRIBUTES)[number]
const OPERATORS = ['<=', '>=', '!=', '=', '<', '>', '~'] as const
type Operator = (typeof OPERATORS)[number]

export type Field = { kind: 'metrics' | 'params' | 'tags'; key: string } | { kind: 'attribute'; key: Attribute }
export type Clause = { field: Field; op: Operator; value: string }

const CLAUSE = /^\s*([A-Za-z_][\w.\-/:]*)\s*(<=|>=|!=|=|<|>|~)\s*(.+?)\s*$/

export function parseField(text: string, name: string): Field {
  const dot = text.indexOf('.')
  const prefix = dot > 0 ? text.slice(0, dot) : ''
  if ((prefix === 'metrics' || prefix === 'params' || prefix === 'tags') && dot < text.length - 1) {
    return { kind: prefix, key: text.slice(dot + 1) }
  }
  if ((ATTRIBUTES as readonly string[]).includes(text)) return { kind: 'attribute', key: text as Attribute }
  throw invalidArgument(name, `"${text}" is not a field: use metrics.<key>, params.<key>, tags.<key> or one of ${ATTRIBUTES.join(', ')}`)
}

export const fieldName = (field: Field) => (field.kind === 'attribute' ? field.key : `${field.kind}.${field.key}`)

export function parseFilter(text: string): Clause[] {
  if (text.trim() === '') return []
  return text.split(/\s+and\s+/i).map((part) => {
    const match = CLAUSE.exec(part)
    if (!match)
      throw invalidArgument('filter', `cannot read "${part.trim()}": write <field> <op> <value> with op one of ${OPERATORS.join(' ')}`)
    const [, fieldText, op, rawValue] = match
    const field = parseField(fieldText, 'filter')
    const value = rawValue.replace(/^(['"])(.*)\1$/, '$2')
    if (field.kind === 'metrics' && op !== '~' && !Number.isFinite(Number(value))) {
      throw invalidArgument('filter', `${fieldText} is a number: "${value}" cannot be compared with it`)
    }
    return { field, op: op as Operator, value }
  })
}

export function fieldValue(run: RunRow, field: Field): string | number | null {
  switch (field.kind) {
    case 'metrics':
      return run.metrics[field.key] ?? null
    case 'params':
      return run.params[field.key] ?? null
    case 'tags':
      return run.tags[field.key] ?? null
    case 'attribute':
      return attribute(run, field.key)
  }
}

function attribute(run: RunRow, key: Attribute): string | null {
  switch (key) {
    case 'data_version':
      return dataVersionOf(run)
    case 'git_commit':
      return run.gitCommit
    default:
      return run[key]
  }
}

/** The data version a run trained on: its own column, else the tag the training pipeline sets. */
export const dataVersionOf = (run: Pick<RunRow, 'dataVersion' | 'tags'>) => run.dataVersion ?? run.tags.data_version ?? null

/**
 * How long a run took: a sweep's trials are recorded once they are done, so their own `seconds` metric (the
 * training time) is their duration; any other run's is from start to end.
 */
export function durationMs(run: Pick<RunRow, 'startedAt' | 'endedAt' | 'metrics'>): number | null {
  if (run.metrics.seconds !== undefined) return run.metrics.seconds * 1000
  return run.endedAt === null ? null : run.endedAt.getTime() - run.startedAt.getTime()
}

/** Numbers compare as numbers (also params, which are stored as text); anything else as text. */
function compare(a: string | number, b: string): number {
  const [x, y] = [Number(a), Number(b)]
  if (a !== '' && b !== '' && Number.isFinite(x) && Number.isFinite(y)) return x - y
  return String(a).localeCompare(b)
}

export function matches(run: RunRow, clauses: Clause[]): boolean {
  return clauses.every(({ field, op, value }) => {
    const actual = fieldValue(run, field)
    if (actual === null) return op === '!='
    if (op === '~') return String(actual).toLowerCase().includes(value.toLowerCase())
    const order = compare(actual, value)
    return { '=': order === 0, '!=': order !== 0, '<': order < 0, '<=': order <= 0, '>': order > 0, '>=': order >= 0 }[op]
  })
}

export const SORT_ATTRIBUTES = ['started', 'duration', 'name', 'status'] as const
export type SortKey = { kind: 'started' | 'duration' | 'name' | 'status' } | Field
export type Sort = { key: SortKey; descending: boolean }

export function parseSort(text: string | undefined, order: string | undefined): Sort {
  const name = text?.trim() || 'started'
  if (order !== undefined && order !== '' && order !== 'asc' && order !== 'desc') {
    throw invalidArgument('order', `must be asc or desc, got "${order}"`)
  }
  const key: SortKey = (SORT_ATTRIBUTES as readonly string[]).includes(name)
    ? { kind: name as (typeof SORT_ATTRIBUTES)[number] }
    : parseField(name, 'sort')
  return { key, descending: order ? order === 'desc' : name === 'started' || key.kind === 'metrics' }
}

export const sortName = (key: SortKey) => ('key' in key ? fieldName(key) : key.kind)

function sortValue(run: RunRow, key: SortKey): string | number | null {
  switch (key.kind) {
    case 'started':
      return run.startedAt.getTime()
    case 'duration':
      return durationMs(run)
    case 'name':
      return run.name
    case 'status':
      return run.status
    default:
      return fieldValue(run, key)
  }
}

/** Runs without a value sort last in either direction, as in MLflow. */
function byKey(sort: Sort) {
  return (a: string | number | null, b: string | number | null) => {
    if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1
    const order = typeof a === 'number' && typeof b === 'number' ? a - b : compare(a, String(b))
    return sort.descending ? -order : order
  }
}

/** Trials in sweep order: trial-1, trial-2 … trial-10 (they are recorded as they finish, so start times follow completion). */
export const sweepOrder = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name, 'en', { numeric: true })

/** A top-level run with the trials of its sweep; `matched` is false when it is shown only because trials matched. */
export type RunGroup = { run: RunRow; matched: boolean; trials: RunRow[] }

/**
 * Nests each sweep's trials under the run that spawned them, keeps the runs the filter matches (a parent stays,
 * marked unmatched, when only its trials match), and sorts trials within a sweep and sweeps by the same key —
 * a sweep without the key itself (e.g. a trial param) sorts by its first trial.
 */
export function searchRuns(runs: RunRow[], clauses: Clause[], sort: Sort): RunGroup[] {
  const ids = new Set(runs.map((r) => r.id))
  const trialsOf = new Map<string, RunRow[]>()
  for (const run of runs) {
    if (run.parentRunId !== null && ids.has(run.parentRunId)) trialsOf.set(run.parentRunId, [...(trialsOf.get(run.parentRunId) ?? []), run])
  }
  const compareValues = byKey(sort)
  // by start (the default), a sweep's trials read in sweep order
  const sorted = (rows: RunRow[]) =>
    [...rows].sort((a, b) =>
      sort.key.kind === 'started' ? sweepOrder(a, b) : compareValues(sortValue(a, sort.key), sortValue(b, sort.key)),
    )
  const groups: RunGroup[] = []
  for (const run of runs) {
    if (run.parentRunId !== null && ids.has(run.parentRunId)) continue
    const matched = matches(run, clauses)
    const trials = sorted((trialsOf.get(run.id) ?? []).filter((t) => matches(t, clauses)))
    if (matched || trials.length > 0) groups.push({ run, matched, trials })
  }
  const groupValue = (g: RunGroup) => sortValue(g.run, sort.key) ?? (g.trials[0] ? sortValue(g.trials[0], sort.key) : null)
  return groups.sort((a, b) => compareValues(groupValue(a), groupValue(b)))
}
