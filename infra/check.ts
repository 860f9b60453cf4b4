// Offline IaC check: wrangler.toml environments against infra/terraform (Terraform cannot run here or in CI).
// Usage: tsx infra/check.ts [--wrangler wrangler.toml] [--terraform infra/terraform] [--deployable <env>]
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { parse as parseHcl } from '@cdktn/hcl2json'
import { parse as parseToml } from 'smol-toml'

export const ENVIRONMENTS = ['staging', 'production'] as const
/** Set with `wrangler secret put --env <env>`; a deployed environment must never declare them as vars. */
export const WORKER_SECRETS = [
  'ADMIN_KEY_SHA256',
  'PREDICT_KEYS_SHA256',
  'ALERT_WEBHOOK_URL',
  'STREAM_WEBHOOK_URL',
  'STREAM_WEBHOOK_SECRET',
]

const ZERO_ID = /^[0-]+$/

type Table = Record<string, unknown>

interface TfResource {
  type: string
  name: string
  attrs: Table
}

interface Terraform {
  resources: TfResource[]
  /** every output value, flattened to strings, to find which resource ids are exported */
  outputs: string[]
  defaults: Table
}

export interface CheckOptions {
  wranglerPath: string
  terraformDir: string
  /** environments about to be deployed: placeholder ids are a mismatch there */
  deployable?: string[]
}

const table = (v: unknown): Table => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Table) : {})
const tables = (v: unknown): Table[] => (Array.isArray(v) ? v.map(table) : [])

function flatten(v: unknown): string[] {
  if (Array.isArray(v)) return v.flatMap(flatten)
  if (v && typeof v === 'object') return Object.values(v).flatMap(flatten)
  return [String(v)]
}

async function loadTerraform(dir: string): Promise<Terraform> {
  const tf: Terraform = { resources: [], outputs: [], defaults: {} }
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.tf'))) {
    const json = await parseHcl(file, readFileSync(path.join(dir, file), 'utf8'))
    for (const [type, byName] of Object.entries(table(json.resource)))
      for (const [name, blocks] of Object.entries(table(byName))) tf.resources.push({ type, name, attrs: tables(blocks)[0] ?? {} })
    for (const blocks of Object.values(table(json.output))) tf.outputs.push(...flatten(tables(blocks)[0]?.value))
    for (const [name, blocks] of Object.entries(table(json.variable))) tf.defaults[name] = tables(blocks)[0]?.default
  }
  return tf
}

/**
 * Evaluates the interpolations these files use: `${var.x}` and `${<type>.<name>.<attr>}`. Anything else (functions,
 * arithmetic) is reported rather than guessed, so a name the check cannot follow fails loudly.
 */
function evaluate(value: unknown, tf: Terraform, vars: Table): string {
  return String(value).replace(/\$\{([^}]*)\}/g, (_, expr: string) => {
    const ref = expr.trim().split('.')
    if (ref.length === 2 && ref[0] === 'var' && vars[ref[1]] !== undefined) return String(vars[ref[1]])
    const target = ref.length === 3 && tf.resources.find((r) => r.type === ref[0] && r.name === ref[1])
    if (target && target.attrs[ref[2]] !== undefined) return evaluate(target.attrs[ref[2]], tf, vars)
    throw new Error(`cannot evaluate \${${expr}}`)
  })
}

interface Binding {
  section: string
  binding: string
  /** the Cloudflare resource name (bucket, database, queue, dataset, namespace id) */
  resource: string
  raw: Table
}

/** The named bindings of one wrangler table (the top level or an [env.x] section), by section. */
function bindingsOf(config: Table): Binding[] {
  const queues = table(config.queues)
  const list = (section: string, entries: Table[], nameKey: string, resourceKey: string) =>
    entries.map((raw) => ({ section, binding: String(raw[nameKey]), resource: String(raw[resourceKey]), raw }))
  return [
    ...list('r2_buckets', tables(config.r2_buckets), 'binding', 'bucket_name'),
    ...list('kv_namespaces', tables(config.kv_namespaces), 'binding', 'id'),
    ...list('d1_databases', tables(config.d1_databases), 'binding', 'database_name'),
    ...list('queues.producers', tables(queues.producers), 'binding', 'queue'),
    ...list('queues.consumers', tables(queues.consumers), 'queue', 'queue'),
    ...list('analytics_engine_datasets', tables(config.analytics_engine_datasets), 'binding', 'dataset'),
    ...list('ratelimits', tables(config.ratelimits), 'name', 'namespace_id'),
  ]
}

function checkEnvironment(env: string, top: Table, config: Table, tf: Terraform, vars: Table, options: CheckOptions): string[] {
  const problems: string[] = []
  const at = `wrangler.toml [env.${env}]`
  const workerName = String(config.name ?? `${top.name}-${env}`)
  const bindings = bindingsOf(config)
  const needed = bindingsOf(top)

  // The Worker's code reads the top-level binding names; an environment must provide exactly those.
  for (const section of new Set([...needed, ...bindings].map((b) => b.section))) {
    const want = needed.filter((b) => b.section === section).map((b) => b.binding)
    const have = bindings.filter((b) => b.section === section).map((b) => b.binding)
    if (section === 'queues.consumers') {
      if (have.length < want.length) problems.push(`${at} ${section}: missing (the top level consumes ${want.join(', ')})`)
      continue
    }
    for (const name of want.filter((n) => !have.includes(n)))
      problems.push(`${at} ${section}: binding ${name} is missing (the Worker reads it)`)
    for (const name of have.filter((n) => !want.includes(n)))
      problems.push(`${at} ${section}: binding ${name} is not declared at the top level (the Worker reads ${want.join(', ') || 'none'})`)
  }

  const named = (type: string, attr: string) =>
    tf.resources
      .filter((r) => r.type === type)
      .map((r) => {
        try {
          return { resource: r, value: evaluate(r.attrs[attr], tf, vars) }
        } catch (error) {
          problems.push(`infra/terraform ${r.type}.${r.name}.${attr}: ${(error as Error).message}`)
          return { resource: r, value: undefined }
        }
      })
  const buckets = named('cloudflare_r2_bucket', 'name')
  const lifecycles = named('cloudflare_r2_bucket_lifecycle', 'bucket_name')
  const namespaces = named('cloudflare_workers_kv_namespace', 'title')
  const databases = named('cloudflare_d1_database', 'name')
  const queueNames = named('cloudflare_queue', 'queue_name')
  const bound = new Set<string>()
  const expect = (b: Binding, candidates: typeof buckets, type: string, want: string) => {
    const match = candidates.find((c) => c.value === want)
    if (match) {
      bound.add(`${type}.${match.resource.name}`)
      return match.resource
    }
    const known = candidates.map((c) => c.value).join(', ') || 'none'
    problems.push(`${at} ${b.section} ${b.binding}: "${want}" has no ${type} in infra/terraform (${env} has: ${known})`)
    return undefined
  }
  const exported = (b: Binding, r: TfResource) => {
    if (!tf.outputs.includes(`\${${r.type}.${r.name}.id}`))
      problems.push(`${at} ${b.section} ${b.binding}: infra/terraform has no output with ${r.type}.${r.name}.id to copy the id from`)
  }
  const placeholder = (b: Binding, key: string) => {
    if (options.deployable?.includes(env) && ZERO_ID.test(String(b.raw[key])))
      problems.push(`${at} ${b.section} ${b.binding}: ${key} is still the zero placeholder; paste it from \`terraform output\``)
  }

  for (const b of bindings) {
    if (b.section === 'r2_buckets' && expect(b, buckets, 'cloudflare_r2_bucket', b.resource)) {
      const lifecycle = lifecycles.find((l) => l.value === b.resource)
      if (!lifecycle) problems.push(`${at} r2_buckets ${b.binding}: bucket "${b.resource}" has no cloudflare_r2_bucket_lifecycle`)
      else problems.push(...checkLifecycle(`${at} r2_buckets ${b.binding}`, lifecycle.resource, tf, vars))
    }
    if (b.section === 'kv_namespaces') {
      const r = expect(b, namespaces, 'cloudflare_workers_kv_namespace', `${workerName}-${b.binding}`)
      if (r) exported(b, r)
      if (!/^[0-9a-f]{32}$/.test(b.resource)) problems.push(`${at} kv_namespaces ${b.binding}: id "${b.resource}" is not 32 hex digits`)
      placeholder(b, 'id')
    }
    if (b.section === 'd1_databases') {
      const r = expect(b, databases, 'cloudflare_d1_database', b.resource)
      if (r) exported(b, r)
      if (!/^[0-9a-f-]{36}$/.test(String(b.raw.database_id))) problems.push(`${at} d1_databases ${b.binding}: database_id is not a uuid`)
      placeholder(b, 'database_id')
      const dir = b.raw.migrations_dir ? path.resolve(path.dirname(options.wranglerPath), String(b.raw.migrations_dir)) : undefined
      if (!dir || !existsSync(dir) || !readdirSync(dir).some((f) => f.endsWith('.sql')))
        problems.push(`${at} d1_databases ${b.binding}: migrations_dir ${b.raw.migrations_dir ?? '(unset)'} has no .sql migrations`)
    }
    if (b.section.startsWith('queues.')) expect(b, queueNames, 'cloudflare_queue', b.resource)
    if (b.section === 'queues.consumers' && b.raw.dead_letter_queue)
      expect({ ...b, section: 'queues.consumers dead_letter_queue' }, queueNames, 'cloudflare_queue', String(b.raw.dead_letter_queue))
    // No provider resource exists for these two: keep environments from sharing data or counters instead.
    if (b.section === 'analytics_engine_datasets' && !b.resource.endsWith(`_${env}`))
      problems.push(`${at} analytics_engine_datasets ${b.binding}: dataset "${b.resource}" must end with _${env}`)
  }
  for (const r of tf.resources)
    if (['cloudflare_r2_bucket', 'cloudflare_workers_kv_namespace', 'cloudflare_d1_database', 'cloudflare_queue'].includes(r.type))
      if (!bound.has(`${r.type}.${r.name}`)) problems.push(`infra/terraform ${r.type}.${r.name} is bound by no binding of [env.${env}]`)

  const topVars = Object.keys(table(top.vars))
  const envVars = Object.keys(table(config.vars))
  for (const v of topVars.filter((v) => !envVars.includes(v) && !WORKER_SECRETS.includes(v)))
    problems.push(`${at} vars: ${v} is missing (vars are not inherited from the top level)`)
  for (const v of envVars.filter((v) => WORKER_SECRETS.includes(v))) problems.push(`${at} vars: ${v} is a secret; use wrangler secret put`)
  for (const v of envVars.filter((v) => !topVars.includes(v) && !WORKER_SECRETS.includes(v)))
    problems.push(`${at} vars: ${v} is not declared at the top level`)
  if (table(config.triggers).crons === undefined && table(top.triggers).crons !== undefined)
    problems.push(`${at} triggers: crons missing (the top level schedules ${JSON.stringify(table(top.triggers).crons)})`)
  return problems
}

/** blobs/ is pinned by manifests: only retired/ may expire, and something must expire it. */
function checkLifecycle(at: string, lifecycle: TfResource, tf: Terraform, vars: Table): string[] {
  const deleting = tables(lifecycle.attrs.rules).filter((r) => r.enabled !== false && r.delete_objects_transition)
  const prefixes = deleting.map((r) => evaluate(table(r.conditions).prefix ?? '', tf, vars))
  const problems = prefixes
    .filter((p) => 'blobs/'.startsWith(p) || p.startsWith('blobs/'))
    .map((p) => `${at}: lifecycle rule deleting prefix "${p}" would expire blobs that manifests pin`)
  if (!prefixes.includes('retired/')) problems.push(`${at}: no lifecycle rule expires retired/ (superseded model blobs)`)
  return problems
}

/** Every mismatch between wrangler.toml and infra/terraform, one line each; empty when they agree. */
export async function checkInfra(options: CheckOptions): Promise<string[]> {
  const top = parseToml(readFileSync(options.wranglerPath, 'utf8')) as Table
  const tf = await loadTerraform(options.terraformDir)
  const problems: string[] = []
  const namespaceIds = new Map<string, string>()
  for (const b of bindingsOf(top).filter((b) => b.section === 'ratelimits')) namespaceIds.set(b.resource, 'the top level')
  for (const env of ENVIRONMENTS) {
    const config = table(table(top.env)[env])
    if (!Object.keys(config).length) {
      problems.push(`wrangler.toml: [env.${env}] is missing`)
      continue
    }
    const tfvarsPath = path.join(options.terraformDir, 'environments', `${env}.tfvars`)
    if (!existsSync(tfvarsPath)) {
      problems.push(`infra/terraform/environments/${env}.tfvars is missing`)
      continue
    }
    const vars = { ...tf.defaults, ...(await parseHcl(`${env}.tfvars`, readFileSync(tfvarsPath, 'utf8'))) }
    problems.push(...checkEnvironment(env, top, config, tf, vars, options))
    for (const b of bindingsOf(config).filter((b) => b.section === 'ratelimits')) {
      const other = namespaceIds.get(b.resource)
      if (other) problems.push(`wrangler.toml [env.${env}] ratelimits ${b.binding}: namespace_id ${b.resource} is also used by ${other}`)
      namespaceIds.set(b.resource, `[env.${env}]`)
    }
  }
  return problems
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
  const { values } = parseArgs({
    options: {
      wrangler: { type: 'string', default: path.join(root, 'wrangler.toml') },
      terraform: { type: 'string', default: path.join(root, 'infra/terraform') },
      deployable: { type: 'string', multiple: true, default: [] },
    },
  })
  const problems = await checkInfra({ wranglerPath: values.wrangler, terraformDir: values.terraform, deployable: values.deployable })
  for (const p of problems) process.stderr.write(`${p}\n`)
  if (problems.length) process.exit(1)
  process.stdout.write(`infra check: wrangler.toml [env.${ENVIRONMENTS.join('], [env.')}] agree with infra/terraform\n`)
}
