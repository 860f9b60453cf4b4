import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parse } from 'smol-toml'
import { describe, expect, it } from 'vitest'
import { predictionDataPoint } from '../../edge-worker/src/telemetry/analytics.ts'
import { type PredictionEvent, predictionEventSchema } from '../../edge-worker/src/telemetry/events.ts'

const read = (file: string): string => readFileSync(fileURLToPath(new URL(file, import.meta.url).href), 'utf8')

/** A prediction whose every field has a value of its own, so each column of the data point names its source. */
const EVENT: PredictionEvent = {
  eventId: 'e',
  predictionId: 'p',
  role: 'served',
  source: 'edge',
  engine: 'ENGINE',
  model: 'MODEL',
  version: 7,
  at: 0,
  latencyMs: 11.5,
  probability: 0.25,
  features: { origin: 'ORIGIN', destination: 'DESTINATION', departure_hour: 13, day_of_week: 3, distance: 1234 },
  keyHash: 'k',
}
const FIELD_OF = new Map<unknown, string>([
  ['MODEL', 'model'],
  ['7', 'version'],
  ['served', 'role'],
  ['edge', 'source'],
  ['ENGINE', 'engine'],
  ['ORIGIN', 'origin'],
  ['DESTINATION', 'destination'],
  [0.25, 'probability'],
  [11.5, 'latency_ms'],
  [1234, 'distance'],
  [13, 'departure_hour'],
])
/** Columns Analytics Engine adds to every row. */
const BUILT_IN = ['timestamp', '_sample_interval']
/** Values a query may compare an enum column with. */
const ENUMS: Record<string, readonly string[]> = {
  role: predictionEventSchema.shape.role.options,
  source: predictionEventSchema.shape.source.options,
}

/** column → field, from the Worker's own data point builder: blob1…, double1…, index1… */
function writtenColumns(): Map<string, string> {
  const point = predictionDataPoint(EVENT)
  const columns = new Map<string, string>()
  const add = (prefix: string, values: readonly unknown[] | undefined) =>
    values?.forEach((v, i) => {
      const field = FIELD_OF.get(v)
      if (!field) throw new Error(`${prefix}${i + 1} holds ${String(v)}: name its field in this test`)
      columns.set(`${prefix}${i + 1}`, field)
    })
  add('index', point.indexes)
  add('blob', point.blobs)
  add('double', point.doubles)
  return columns
}

/** Problems of one query: columns the Worker does not write, aliases or literals that misname a column. */
function check(name: string, sql: string, columns: Map<string, string>): string[] {
  const problems: string[] = []
  for (const [col] of sql.matchAll(/\b(?:blob|double|index)\d+\b/g)) if (!columns.has(col)) problems.push(`${name}: ${col} is not written`)
  for (const [, col, alias] of sql.matchAll(/\b((?:blob|double|index)\d+)\s+AS\s+(\w+)/gi)) {
    const field = columns.get(col)
    if (field && [...FIELD_OF.values()].includes(alias) && alias !== field) problems.push(`${name}: ${col} is ${field}, not ${alias}`)
  }
  for (const [, col, literal] of sql.matchAll(/\b((?:blob|double|index)\d+)\s*=\s*'([^']*)'/g)) {
    const allowed = ENUMS[columns.get(col) ?? '']
    if (allowed && !allowed.includes(literal)) problems.push(`${name}: ${col} (${columns.get(col)}) is never '${literal}'`)
  }
  return problems
}

/** `-- name: x` blocks of queries.sql */
function namedQueries(text: string): Map<string, string> {
  const queries = new Map<string, string>()
  for (const block of text.split(/^-- name: /m).slice(1)) {
    const [name, ...rest] = block.split('\n')
    queries.set(name.trim(), rest.filter((l) => !l.startsWith('--')).join('\n'))
  }
  return queries
}

interface Panel {
  title: string
  description: string
  datasource: { type: string; uid: string }
  targets: { query: string; datasource: { type: string; uid: string } }[]
}
interface Dashboard {
  __inputs: { name: string; pluginId: string }[]
  panels: Panel[]
  templating: { list: { name: string; options?: { value: string }[] }[] }
}

const columns = writtenColumns()
const sql = read('./queries.sql')
const queries = namedQueries(sql)
const dashboard = JSON.parse(read('./grafana-dashboard.json')) as Dashboard
const datasets = (parse(read('../../wrangler.toml')) as { env: Record<string, { analytics_engine_datasets: { dataset: string }[] }> }).env

describe('Analytics Engine queries and dashboard', () => {
  it('derives the columns from the data point the Worker writes', () => {
    expect(columns.get('index1')).toBe('model')
    expect([...columns.values()]).toEqual(expect.arrayContaining(['version', 'role', 'source', 'engine', 'probability', 'latency_ms']))
    // the legend at the top of queries.sql states the same layout
    const header = sql.slice(0, sql.indexOf('-- name:'))
    const stated = new Map([...header.matchAll(/\b((?:blob|double|index)\d+)\s+([a-z_]+)/g)].map(([, col, field]) => [col, field]))
    expect(stated).toEqual(columns)
  })

  it('queries.sql uses only written columns, named by the fields they hold', () => {
    expect(queries.size).toBeGreaterThanOrEqual(4)
    const problems = [...queries].flatMap(([name, q]) => check(name, q, columns))
    expect(problems).toEqual([])
    const builtIns = new Set([...sql.matchAll(/\b_\w+|\btimestamp\b/g)].map(([m]) => m))
    for (const used of builtIns) expect(BUILT_IN).toContain(used)
  })

  it('every Grafana panel queries the Altinity datasource with written columns only', () => {
    const [input] = dashboard.__inputs
    expect(input.pluginId).toBe('vertamedia-clickhouse-datasource')
    expect(dashboard.panels.length).toBeGreaterThanOrEqual(4)
    for (const panel of dashboard.panels) {
      expect(panel.targets.length).toBeGreaterThan(0)
      for (const t of panel.targets) {
        expect(t.datasource).toEqual({ type: input.pluginId, uid: `\${${input.name}}` })
        expect(check(panel.title, t.query, columns)).toEqual([])
        expect(t.query).toMatch(/index1 = '\$\{model\}'/)
      }
    }
  })

  it('has a panel for each query in queries.sql, on datasets wrangler.toml binds', () => {
    const named = dashboard.panels.map((p) => /queries\.sql: (\w+)/.exec(p.description)?.[1])
    expect(named.sort()).toEqual([...queries.keys()].sort())
    const bound = Object.values(datasets).flatMap((e) => e.analytics_engine_datasets.map((d) => d.dataset))
    const options = dashboard.templating.list.find((v) => v.name === 'dataset')?.options?.map((o) => o.value) ?? []
    const inSql = [...sql.matchAll(/FROM (\w+)/g)].map(([, d]) => d)
    for (const dataset of [...options, ...inSql]) expect(bound).toContain(dataset)
  })
})
