import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { NUMERIC_FEATURES } from '@tarmac/sdk/features'
import { buildOnnxModel } from '@tarmac/sdk/onnx'
import Database from 'better-sqlite3'
import type { Command } from 'commander'
import { satisfies, validRange } from 'semver'
import { parse as parseToml } from 'smol-toml'
import { nativeAddonProblem } from '../db/open.ts'
import { openHome } from '../home.ts'
import { POSTGRES_BIN } from '../local/postgres-server.ts'
import { REDIS_SERVER } from '../local/redis-server.ts'
import { listExperiments } from '../tracking/experiments.ts'
import { emit } from './output.ts'

export interface Check {
  name: string
  status: 'pass' | 'fail' | 'warn'
  detail: string
  /** what to do about a fail or warn */
  fix?: string
}

interface DoctorFlags {
  home?: string
  root: string
  json?: boolean
}

const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url))

/** What edge-worker/src reads from env: each must be bound or `wrangler dev` serves a broken Worker. */
const WORKER_BINDINGS: [section: string, key: string, name: string][] = [
  ['r2_buckets', 'binding', 'MODELS'],
  ['kv_namespaces', 'binding', 'ALIASES'],
  ['d1_databases', 'binding', 'DB'],
  ['queues.producers', 'binding', 'TELEMETRY'],
  ['analytics_engine_datasets', 'binding', 'ANALYTICS'],
  ['ratelimits', 'name', 'RATE_LIMITER'],
]

const pass = (name: string, detail: string): Check => ({ name, status: 'pass', detail })
const fail = (name: string, detail: string, fix: string): Check => ({ name, status: 'fail', detail, fix })

function readJson(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>
}

function checkNode(root: string): Check {
  const file = path.join(root, 'package.json')
  if (!existsSync(file)) return fail('node', `${file} not found`, 'run doctor from the Tarmac checkout or pass --root')
  const range = (readJson(file).engines as { node?: string } | undefined)?.node
  if (!range) return pass('node', `${process.versions.node} (package.json declares no engines.node)`)
  if (validRange(range) === null)
    return { name: 'node', status: 'warn', detail: `engines.node "${range}" is not a semver range`, fix: 'fix package.json' }
  return satisfies(process.versions.node, range)
    ? pass('node', `${process.versions.node} satisfies ${range}`)
    : fail('node', `${process.versions.node} does not satisfy ${range}`, 'install Node 24 LTS (or 22), e.g. nvm install 24')
}

/** The native SQLite binding loads in this Node: an addon built for another Node's ABI fails here, not mid-command. */
function checkSqlite(): Check {
  try {
    new Database(':memory:').close()
    return pass('better-sqlite3', `loads in Node ${process.versions.node} (ABI ${process.versions.modules})`)
  } catch (error) {
    return fail('better-sqlite3', nativeAddonProblem(error) ?? String(error).split('\n')[0], 'npm rebuild better-sqlite3')
  }
}

function checkWrangler(root: string): Check {
  const workerPackage = path.join(root, 'edge-worker', 'package.json')
  try {
    const installed = readJson(createRequire(workerPackage).resolve('wrangler/package.json')).version as string
    const pinned = ((readJson(workerPackage).devDependencies ?? {}) as Record<string, string>).wrangler
    if (pinned && pinned !== installed)
      return { name: 'wrangler', status: 'warn', detail: `${installed} installed, edge-worker pins ${pinned}`, fix: 'run npm ci' }
    return pass('wrangler', installed)
  } catch {
    return fail('wrangler', 'not installed', 'run `npm ci` at the repository root (wrangler is a devDependency of edge-worker)')
  }
}

function checkWranglerToml(root: string): Check {
  const file = path.join(root, 'wrangler.toml')
  if (!existsSync(file)) return fail('wrangler.toml', `${file} not found`, 'restore wrangler.toml from git')
  let config: Record<string, unknown>
  try {
    config = parseToml(readFileSync(file, 'utf8'))
  } catch (error) {
    return fail('wrangler.toml', `does not parse: ${(error as Error).message.split('\n')[0]}`, 'fix the TOML syntax at that line')
  }
  const missing = WORKER_BINDINGS.filter(([section, key, name]) => {
    const entries = section.split('.').reduce<unknown>((table, k) => (table as Record<string, unknown> | undefined)?.[k], config)
    return !(Array.isArray(entries) && entries.some((entry) => (entry as Record<string, unknown>)[key] === name))
  }).map(([section, , name]) => `${name} (${section})`)
  if (missing.length)
    return fail(
      'wrangler.toml',
      `missing bindings the Worker reads: ${missing.join(', ')}`,
      'restore them (edge-worker/README.md lists each)',
    )
  return pass('wrangler.toml', `parses; ${WORKER_BINDINGS.map(([, , name]) => name).join(', ')} bound`)
}

function checkAdminKey(root: string): Check {
  const devVars = path.join(root, '.dev.vars')
  const fromFile = existsSync(devVars)
    ? /^\s*ADMIN_KEY_SHA256\s*=\s*"?([^"\n]*)"?\s*$/m.exec(readFileSync(devVars, 'utf8'))?.[1]
    : undefined
  const [value, source] = fromFile !== undefined ? [fromFile, '.dev.vars'] : [process.env.ADMIN_KEY_SHA256, 'the environment']
  const fix = `printf 'ADMIN_KEY_SHA256="%s"\\n' "$(printf 'dev-admin-key' | sha256sum | cut -d' ' -f1)" >> .dev.vars`
  if (value === undefined) return fail('admin key', 'ADMIN_KEY_SHA256 is neither in .dev.vars nor in the environment', fix)
  // the hash, never the key: a 64-hex value is what the Worker compares against
  if (!/^[0-9a-f]{64}$/i.test(value)) return fail('admin key', `ADMIN_KEY_SHA256 in ${source} is not a sha256 hex digest`, fix)
  return pass('admin key', `ADMIN_KEY_SHA256 set in ${source}`)
}

async function checkTrackingDb(home: string | undefined): Promise<Check> {
  try {
    const opened = await openHome(home)
    try {
      await listExperiments(opened.db)
      return pass('tracking db', `${opened.db.info.dialect} ${opened.db.info.location}`)
    } finally {
      await opened.close()
    }
  } catch (error) {
    const fix = process.env.TARMAC_DATABASE_URL
      ? 'check TARMAC_DATABASE_URL: the server must be reachable and the user allowed to create tables'
      : 'check that TARMAC_HOME (or --home) is a writable folder'
    return fail('tracking db', (error as Error).message, fix)
  }
}

/** Runs a one-layer model whose zero weights make every probability sigmoid(0) = 0.5: loading alone proves little. */
async function checkOnnxRuntime(): Promise<Check> {
  try {
    const { runOrtNode } = await import('../export/onnx-runtimes.ts')
    const width = NUMERIC_FEATURES.length
    const bytes = buildOnnxModel(
      {
        numericWidth: width,
        embeddings: [],
        layers: [{ inputs: width, units: 1, weights: new Float32Array(width), bias: new Float32Array(1), activation: 'sigmoid' }],
      },
      { quantization: 'fp32', metadata: { name: 'doctor' } },
    )
    const [p] = await runOrtNode(bytes, {
      rows: 1,
      numeric: new Float32Array(width),
      origin: new Int32Array(1),
      destination: new Int32Array(1),
    })
    if (Math.abs(p - 0.5) > 1e-6) return fail('onnxruntime-node', `a known model returned ${p}, expected 0.5`, 'reinstall: npm ci')
    const { version } = readJson(createRequire(import.meta.url).resolve('onnxruntime-node/package.json'))
    return pass('onnxruntime-node', `${version} loads and runs a model`)
  } catch (error) {
    return fail(
      'onnxruntime-node',
      `does not load: ${(error as Error).message.split('\n')[0]}`,
      'reinstall it: npm ci (needs a glibc linux, macOS or Windows)',
    )
  }
}

function checkChromium(): Check {
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)
  const found =
    process.env.CHROME_PATH ??
    ['chromium', 'chromium-browser', 'google-chrome'].flatMap((bin) => dirs.map((d) => path.join(d, bin))).find((p) => existsSync(p))
  if (found) return pass('chromium', found)
  return { name: 'chromium', status: 'warn', detail: 'not found', fix: 'apt-get install -y chromium (only the browser tests need it)' }
}

/** Servers only the tests and bench start (each its own, on loopback); a missing one fails those tests. */
function checkTestServers(): Check[] {
  const servers = [
    { name: 'redis-server', bin: REDIS_SERVER, fix: 'apt-get install -y redis-server (distributed sweep tests and bench)' },
    { name: 'postgres', bin: path.join(POSTGRES_BIN, 'postgres'), fix: 'apt-get install -y postgresql (metadata-store tests)' },
  ]
  return servers.map(({ name, bin, fix }) =>
    existsSync(bin) ? pass(name, bin) : { name, status: 'warn', detail: `${bin} not found`, fix },
  )
}

export async function runDoctor(flags: DoctorFlags): Promise<Check[]> {
  const root = path.resolve(flags.root)
  return [
    checkNode(root),
    checkSqlite(),
    checkWrangler(root),
    checkWranglerToml(root),
    checkAdminKey(root),
    await checkTrackingDb(flags.home),
    await checkOnnxRuntime(),
    checkChromium(),
    ...checkTestServers(),
  ]
}

const MARK = { pass: '✓', fail: '✗', warn: '!' }

export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description(
      'check this machine can develop and run Tarmac: Node, wrangler, wrangler.toml, keys, tracking DB, ONNX Runtime, Chromium, test servers',
    )
    .option('--home <dir>', 'state folder (default: $TARMAC_HOME or ./.tarmac)')
    .option('--root <dir>', 'Tarmac checkout to check', REPO_ROOT)
    .option('--json', 'print machine-readable JSON')
    .action(async (flags: DoctorFlags) => {
      const checks = await runDoctor(flags)
      const ok = checks.every((c) => c.status !== 'fail')
      emit(Boolean(flags.json), { ok, checks }, (v) =>
        [
          ...v.checks.map((c) => `${MARK[c.status]} ${c.name.padEnd(17)} ${c.detail}${c.fix ? `\n  → ${c.fix}` : ''}`),
          v.ok ? 'all required checks passed' : `${v.checks.filter((c) => c.status === 'fail').length} required check(s) failed`,
        ].join('\n'),
      )
      // exitCode rather than exit(): stdout may still be draining into a pipe
      if (!ok) process.exitCode = 1
    })
}
