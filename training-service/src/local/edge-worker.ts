import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { createWriteStream, mkdirSync } from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'
import { createWorkerClient } from '@tarmac/sdk/client/worker'
import { freePort } from '../free-port.ts'

/** A `wrangler dev` of the edge Worker on 127.0.0.1 with its own state folder and a fresh admin key. */
export interface LocalWorker {
  url: string
  adminKey: string
  stop(): Promise<void>
}

export interface LocalWorkerOptions {
  /** the repository root (where wrangler.toml is) */
  root: string
  /** local R2/KV/D1/Queue state; pass a fresh folder for a clean start */
  persistDir: string
  /** extra `--var NAME:VALUE` bindings, e.g. canary settings */
  vars?: Record<string, string>
  log?: (line: string) => void
}

const OFFLINE = { WRANGLER_SEND_METRICS: 'false', WRANGLER_SEND_ERROR_REPORTS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' }

async function waitForHealth(url: string, child: ChildProcess, output: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  const worker = createWorkerClient({ endpoint: url, attempts: 1 })
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with code ${child.exitCode}: ${output().slice(-800)}`)
    try {
      return await worker.health()
    } catch {}
    await new Promise((r) => setTimeout(r, 250))
  }
  throw new Error(`wrangler dev did not answer ${url}/health within ${timeoutMs / 1000}s: ${output().slice(-800)}`)
}

export async function startLocalWorker(options: LocalWorkerOptions): Promise<LocalWorker> {
  const wrangler = path.join(options.root, 'node_modules', '.bin', 'wrangler')
  const env = { ...process.env, ...OFFLINE }
  await promisify(execFile)(wrangler, ['d1', 'migrations', 'apply', 'DB', '--local', '--persist-to', options.persistDir], {
    cwd: options.root,
    env,
  })
  const adminKey = randomBytes(24).toString('hex')
  const port = await freePort()
  const vars = { ADMIN_KEY_SHA256: createHash('sha256').update(adminKey).digest('hex'), ...options.vars }
  const args = [
    'dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--persist-to',
    options.persistDir,
    '--show-interactive-dev-session=false',
  ]
  for (const [k, v] of Object.entries(vars)) args.push('--var', `${k}:${v}`)
  // its own process group, so stop() also ends workerd
  const child = spawn(wrangler, args, { cwd: options.root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
  // the Worker's own log (requests, consumer errors) stays beside its state for inspection
  mkdirSync(options.persistDir, { recursive: true })
  const logFile = createWriteStream(path.join(options.persistDir, 'wrangler.log'))
  let output = ''
  const collect = (chunk: Buffer) => {
    logFile.write(chunk)
    output = (output + chunk.toString()).slice(-20_000)
  }
  child.stdout?.on('data', collect)
  child.stderr?.on('data', collect)
  const url = `http://127.0.0.1:${port}`
  const stop = async () => {
    if (child.exitCode !== null || child.pid === undefined) return
    const exited = new Promise((r) => child.once('exit', r))
    try {
      process.kill(-child.pid, 'SIGTERM')
    } catch {}
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))])
    try {
      process.kill(-child.pid, 'SIGKILL')
    } catch {}
  }
  try {
    await waitForHealth(url, child, () => output, 90_000)
  } catch (e) {
    await stop()
    throw e
  }
  options.log?.(`edge Worker (wrangler dev) on ${url}, state and wrangler.log in ${options.persistDir}`)
  return { url, adminKey, stop }
}
