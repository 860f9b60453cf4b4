import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { freePort, waitForHttp } from './ports.ts'

const run = promisify(execFile)
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const WRANGLER = fileURLToPath(new URL('../../../node_modules/wrangler/bin/wrangler.js', import.meta.url))

/** Offline wrangler: no metrics, no error reports, no account look-ups. */
const ENV = {
  ...process.env,
  WRANGLER_SEND_METRICS: 'false',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  WRANGLER_SEND_ERROR_REPORTS: 'false',
  CI: 'true',
  NO_COLOR: '1',
}

export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex')

export interface LocalWorker {
  url: string
  stop(): Promise<void>
}

export async function applyMigrations(persistTo: string): Promise<void> {
  await run(process.execPath, [WRANGLER, 'd1', 'migrations', 'apply', 'DB', '--local', '--persist-to', persistTo], {
    cwd: REPO_ROOT,
    env: ENV,
  })
}

/** `wrangler dev` of the root wrangler.toml; vars given here override wrangler.toml and any developer .dev.vars. */
export async function startWorker(opts: {
  port: number
  inspectorPort: number
  persistTo: string
  vars: Record<string, string>
}): Promise<LocalWorker> {
  const args = [
    WRANGLER,
    'dev',
    '--local',
    '--ip',
    '127.0.0.1',
    '--port',
    String(opts.port),
    '--inspector-port',
    String(opts.inspectorPort),
    '--persist-to',
    opts.persistTo,
    '--show-interactive-dev-session=false',
    ...Object.entries(opts.vars).flatMap(([k, v]) => ['--var', `${k}:${v}`]),
  ]
  const child: ChildProcess = spawn(process.execPath, args, { cwd: REPO_ROOT, env: ENV, stdio: ['ignore', 'pipe', 'pipe'] })
  let log = ''
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-20_000)
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  const url = `http://127.0.0.1:${opts.port}`
  try {
    await waitForHttp(`${url}/health`, 90_000, () => child.exitCode === null)
  } catch (error) {
    child.kill('SIGTERM')
    throw new Error(`${error instanceof Error ? error.message : error}\n--- wrangler output ---\n${log}`)
  }
  return {
    url,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
        setTimeout(() => child.kill('SIGKILL'), 5000).unref()
      }),
  }
}

/**
 * The Worker as the web client meets it: migrated local state in `persistTo`, the admin key set, the
 * public API open to `origin` (CORS), no canary, and no model cache so a publish is visible at once.
 */
export async function startLocalWorker(opts: { persistTo: string; origin: string; adminKey: string }): Promise<LocalWorker> {
  await applyMigrations(opts.persistTo)
  return startWorker({
    port: await freePort(),
    inspectorPort: await freePort(),
    persistTo: opts.persistTo,
    vars: {
      ADMIN_KEY_SHA256: sha256(opts.adminKey),
      PREDICT_KEYS_SHA256: '',
      CORS_ORIGINS: opts.origin,
      MODEL_CACHE_TTL_SECONDS: '0',
      CANARY_MODE: 'off',
      // the dashboard test replays ~960 flights a day: enough for the default tests to be stable
      DRIFT_MIN_ROWS: '500',
    },
  })
}

/** Rows of a query on the Worker's local D1 (the same files `wrangler dev --persist-to` writes). */
export async function d1Query<T>(persistTo: string, sql: string): Promise<T[]> {
  const { stdout } = await run(
    process.execPath,
    [WRANGLER, 'd1', 'execute', 'DB', '--local', '--persist-to', persistTo, '--json', '--command', sql],
    { cwd: REPO_ROOT, env: ENV, maxBuffer: 16 * 1024 * 1024 },
  )
  const [result] = JSON.parse(stdout) as { results: T[] }[]
  return result.results
}
