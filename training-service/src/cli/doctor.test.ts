import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { nativeAddonProblem } from '../db/open.ts'
import type { Check } from './doctor.ts'

const repo = path.resolve(import.meta.dirname, '../../..')
const temps: string[] = []

function temp(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tarmac-doctor-'))
  temps.push(dir)
  return dir
}

function doctor(args: string[], env: Record<string, string> = {}) {
  const run = spawnSync(process.execPath, ['training-service/bin/tarmac.mjs', 'doctor', '--json', ...args], {
    cwd: repo,
    encoding: 'utf8',
    env: { ...process.env, TARMAC_HOME: temp(), ...env },
  })
  const report = JSON.parse(run.stdout) as { ok: boolean; checks: Check[] }
  return { status: run.status, report, byName: Object.fromEntries(report.checks.map((c) => [c.name, c])) }
}

afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true })
})

describe('tarmac doctor', () => {
  it('passes every required check in this checkout', () => {
    const { status, report } = doctor([], { ADMIN_KEY_SHA256: 'a'.repeat(64) })
    expect(report.checks.map((c) => c.name)).toEqual([
      'node',
      'better-sqlite3',
      'wrangler',
      'wrangler.toml',
      'admin key',
      'tracking db',
      'onnxruntime-node',
      'chromium',
      'redis-server',
      'postgres',
    ])
    expect(report.checks.filter((c) => c.status === 'fail')).toEqual([])
    expect(report.ok).toBe(true)
    expect(status).toBe(0)
  })

  it('warns, without failing, when a test server is not installed, and says how to install it', () => {
    const { status, byName } = doctor([], {
      ADMIN_KEY_SHA256: 'a'.repeat(64),
      TARMAC_REDIS_SERVER: '/nonexistent/redis-server',
      TARMAC_POSTGRES_BIN: '/nonexistent/pg',
    })
    expect(status).toBe(0)
    expect(byName['redis-server']).toMatchObject({ status: 'warn', detail: '/nonexistent/redis-server not found' })
    expect(byName.postgres).toMatchObject({ status: 'warn', fix: expect.stringContaining('apt-get install -y postgresql') })
  })

  it('fails with what to do when the checkout is broken', () => {
    const root = temp()
    writeFileSync(path.join(root, 'package.json'), JSON.stringify({ engines: { node: '>=99' } }))
    writeFileSync(path.join(root, 'wrangler.toml'), '[[r2_buckets]]\nbinding = "MODELS"\nbucket_name = "m"\n')
    writeFileSync(path.join(root, '.dev.vars'), 'ADMIN_KEY_SHA256="dev-admin-key"\n')
    const { status, report, byName } = doctor(['--root', root])
    expect(status).toBe(1)
    expect(report.ok).toBe(false)
    expect(byName.node).toMatchObject({ status: 'fail', detail: `${process.versions.node} does not satisfy >=99` })
    expect(byName.wrangler).toMatchObject({ status: 'fail', detail: 'not installed' })
    expect(byName['wrangler.toml'].detail).toBe(
      'missing bindings the Worker reads: ALIASES (kv_namespaces), DB (d1_databases), TELEMETRY (queues.producers), ANALYTICS (analytics_engine_datasets), RATE_LIMITER (ratelimits)',
    )
    // the key instead of its hash is the mistake this check exists for
    expect(byName['admin key']).toMatchObject({ status: 'fail', detail: 'ADMIN_KEY_SHA256 in .dev.vars is not a sha256 hex digest' })
    for (const c of report.checks.filter((c) => c.status !== 'pass')) expect(c.fix).toBeTruthy()
    expect(byName['tracking db'].status).toBe('pass')
  })

  it('reports a wrangler.toml that does not parse', () => {
    const root = temp()
    writeFileSync(path.join(root, 'wrangler.toml'), 'name = \n')
    expect(doctor(['--root', root]).byName['wrangler.toml']).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(/^does not parse/),
    })
  })

  it('names the ABI mismatch and the fix when a native addon was built for another Node', () => {
    const error = new Error(
      "The module '/x/better_sqlite3.node'\nwas compiled against a different Node.js version using\nNODE_MODULE_VERSION 115. This version of Node.js requires\nNODE_MODULE_VERSION 137. Please try re-compiling or re-installing",
    )
    expect(nativeAddonProblem(error)).toBe(
      `better-sqlite3 was compiled for another Node (NODE_MODULE_VERSION 115; Node ${process.versions.node} requires 137): run npm rebuild better-sqlite3`,
    )
    expect(nativeAddonProblem(new Error('SQLITE_CANTOPEN'))).toBeUndefined()
  })
})
