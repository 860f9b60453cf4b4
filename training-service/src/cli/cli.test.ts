import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase } from '../db/open.ts'
import { REPO_ROOT, TARMAC_BIN } from '../local/tarmac-process.ts'
import { promote, registerModelVersion } from '../registry/index.ts'
import { type CliResult, runTarmac } from '../testing/cli.ts'
import { finishRun, logMetrics, logParams, setTag, startRun } from '../tracking/index.ts'

// The real CLI in a child process: what users run, including commander parsing, exit codes and stderr.
// Each spawn costs about a second of tsx start-up, so independent commands run concurrently.

const ADMIN_KEY = 'cli-test-admin-key-0123456789'

let home: string
let runA: string
let runB: string

function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const { TARMAC_ADMIN_KEY: _key, TARMAC_DEBUG: _debug, ...rest } = process.env
  return { ...rest, TARMAC_HOME: home, ...extra }
}

const tarmac = (...args: string[]) => runTarmac(args, env())

const json = <T>(result: CliResult): T => {
  expect(result, result.stderr).toMatchObject({ code: 0 })
  return JSON.parse(result.stdout) as T
}

/** A user mistake: exit 2 and exactly one line on stderr, never a stack trace. */
function expectOneLine(result: CliResult, pattern: RegExp): void {
  expect(result.code).toBe(2)
  expect(result.stderr).toMatch(/^tarmac: [^\n]+\n$/)
  expect(result.stderr).toMatch(pattern)
}

// runs list newest first by start time: a millisecond apart keeps that order deterministic
const tick = () => new Promise((resolve) => setTimeout(resolve, 2))

beforeAll(async () => {
  home = mkdtempSync(path.join(tmpdir(), 'tarmac-cli-'))
  const db = await openDatabase(path.join(home, 'tarmac.db'))
  const metrics = { val_auc: 0.8, baseline_auc: 0.7, val_ece: 0.02, int8_size_bytes: 150_000, latency_us: 420.5 }
  const a = await startRun(db, { experiment: 'flight-delay', name: 'train-a', seed: 7 })
  await logParams(db, a.id, { learning_rate: 0.001, seed: 7 })
  for (const [i, auc] of [0.78, 0.8].entries()) {
    await tick()
    const trial = await startRun(db, { experiment: 'flight-delay', name: `trial-${i + 1}`, parentRunId: a.id })
    await logMetrics(db, trial.id, { val_auc: auc })
    await finishRun(db, trial.id, 'finished')
  }
  await logMetrics(db, a.id, metrics)
  await setTag(db, a.id, 'data_version', 'dv-00112233445566aa')
  await finishRun(db, a.id, 'finished')
  await tick()
  // B beats A by less than the default minimum gain, so promoting it over A is refused
  const b = await startRun(db, { experiment: 'flight-delay', name: 'train-b', seed: 7, dataVersion: 'dv-bb' })
  await logParams(db, b.id, { learning_rate: 0.003, seed: 7 })
  await logMetrics(db, b.id, { ...metrics, val_auc: 0.801 })
  await finishRun(db, b.id, 'finished')
  await tick()
  const other = await startRun(db, { experiment: 'other', name: 'broken' })
  await finishRun(db, other.id, 'failed', 'out of memory')
  for (const run of [a, b]) {
    await registerModelVersion(db, { name: 'delay', runId: run.id, artifactUri: `file:///m/${run.id}`, manifestSha256: 'a'.repeat(64) })
  }
  await promote(db, 'delay', 1, { actor: 'seed', reason: 'first release' })
  await db.close()
  runA = a.id
  runB = b.id
})

afterAll(() => rmSync(home, { recursive: true, force: true }))

type RunRow = { id: string; name: string; experiment: string; dataVersion: string | null; metrics: Record<string, number> }
type AliasEvent = { action: string; fromVersion: number | null; toVersion: number | null; actor: string; forced: boolean; at: string }

describe('tarmac runs', () => {
  it('lists, shows (by id prefix) and compares runs', async () => {
    const [top, all, show, compare] = await Promise.all([
      tarmac('runs', 'list', '--json'),
      tarmac('runs', 'list', '--all', '--experiment', 'flight-delay', '--limit', '3', '--json'),
      tarmac('runs', 'show', runA.slice(0, 8), '--json'),
      tarmac('runs', 'compare', runA, runB.slice(0, 6), '--json'),
    ])
    const topRows = json<RunRow[]>(top)
    expect(topRows.map((r) => r.name)).toEqual(['broken', 'train-b', 'train-a'])
    expect(topRows[2]).toMatchObject({ dataVersion: 'dv-00112233445566aa', metrics: { val_auc: 0.8, baseline_auc: 0.7 } })
    expect(topRows[1].dataVersion).toBe('dv-bb')

    const allRows = json<RunRow[]>(all)
    expect(allRows.map((r) => r.name)).toEqual(['train-b', 'trial-2', 'trial-1'])

    expect(json(show)).toMatchObject({
      id: runA,
      params: { learning_rate: '0.001', seed: '7' },
      metrics: { val_auc: 0.8, latency_us: 420.5 },
      tags: { data_version: 'dv-00112233445566aa' },
      trials: [
        { name: 'trial-2', metrics: { val_auc: 0.8 } },
        { name: 'trial-1', metrics: { val_auc: 0.78 } },
      ],
    })

    expect(json(compare)).toMatchObject({
      runIds: [runA, runB],
      params: [
        { key: 'learning_rate', values: ['0.001', '0.003'], differs: true },
        { key: 'seed', values: ['7', '7'], differs: false },
      ],
      metrics: expect.arrayContaining([{ key: 'val_auc', values: [0.8, 0.801] }]),
    })
  })

  it('rejects unknown runs and models and bad flags without a stack trace', async () => {
    const [unknownRun, unknownModel, negative, unknownOption] = await Promise.all([
      tarmac('runs', 'show', 'ffffffff'),
      tarmac('models', 'show', 'nope'),
      tarmac('runs', 'list', '--limit', '-1'),
      tarmac('runs', 'list', '--bogus'),
    ])
    expectOneLine(unknownRun, /unknown run "ffffffff"/)
    expectOneLine(unknownModel, /unknown model "nope"/)
    expectOneLine(negative, /--limit must be a positive whole number/)
    expectOneLine(unknownOption, /unknown option '--bogus'/)
    const missingArgument = await tarmac('runs', 'show')
    expectOneLine(missingArgument, /missing required argument/)
    for (const result of [unknownRun, unknownModel, negative, unknownOption]) expect(result.stderr).not.toMatch(/\n\s+at /)
  })
})

describe('tarmac models', () => {
  it('refuses a promotion naming the gate, records a forced one, rolls back and answers history', async () => {
    expectOneLine(await tarmac('models', 'promote', 'delay', '2'), /failed gate\(s\) beats_champion/)

    const forced = json<{ event: AliasEvent; gates: { gate: string; passed: boolean }[] }>(
      await tarmac('models', 'promote', 'delay', '2', '--force', '--reason', 'hotfix', '--actor', 'alice', '--json'),
    )
    expect(forced.event).toMatchObject({ action: 'set', fromVersion: 1, toVersion: 2, actor: 'alice', forced: true })
    expect(forced.gates.find((g) => g.gate === 'beats_champion')?.passed).toBe(false)

    const rolledBack = await tarmac('models', 'rollback', 'delay', '--reason', 'latency regression')
    expect(rolledBack).toMatchObject({ code: 0, stdout: 'champion of delay: version 2 → 1 (rolled back by cli)\n' })

    const [history, at, show] = await Promise.all([
      tarmac('models', 'history', 'delay', '--json'),
      tarmac('models', 'history', 'delay', '--at', forced.event.at, '--json'),
      tarmac('models', 'show', 'delay'),
    ])
    const { events } = json<{ events: AliasEvent[] }>(history)
    expect(events.map((e) => [e.action, e.toVersion, e.forced])).toEqual([
      ['rollback', 1, false],
      ['set', 2, true],
      ['set', 1, false],
    ])
    expect(json(at)).toEqual({ name: 'delay', alias: 'champion', at: forced.event.at, version: 2 })

    // the human rendering: versions with their metrics, the forced override visible, 100 columns
    expect(show.code).toBe(0)
    expect(show.stdout).toMatch(/^\s+1\s+champion\s.*0\.8000\s+0\.7000\s+0\.0200\s+150,000\s+420\.5$/m)
    expect(show.stdout).toMatch(/set\s+1 → 2\s+alice\s+forced\s+hotfix/)
    for (const line of show.stdout.split('\n')) expect(line.length).toBeLessThanOrEqual(100)
  })
})

describe('tarmac retrain and canary', () => {
  const withKey = (...args: string[]) => runTarmac(args, env({ TARMAC_ADMIN_KEY: ADMIN_KEY }))
  // nothing listens on port 9: a call that got past the checks would fail to connect
  const url = ['--url', 'http://127.0.0.1:9', '--model', 'delay']

  it('refuse bad flags, a missing challenger and an unreachable Worker in one line', async () => {
    const [badUrl, badAsOf, notADay, reversed, noChallenger, unreachable, noKey] = await Promise.all([
      withKey('retrain', '--url', 'worker.example'),
      withKey('retrain', ...url, '--as-of', '2001-13-45'),
      withKey('retrain', ...url, '--as-of', '2001-06-01T12:00:00Z'),
      withKey('canary', ...url, '--from', '2001-06-02', '--to', '2001-06-01'),
      withKey('canary', ...url),
      withKey('retrain', ...url, '--as-of', '2001-06-01'),
      tarmac('canary', ...url, '--from', '2001-06-01', '--to', '2001-06-02'),
    ])
    expectOneLine(badUrl, /--url must be the Worker's base URL, got "worker\.example"/)
    expectOneLine(badAsOf, /--as-of must be an ISO date or date-time, got "2001-13-45"/)
    expectOneLine(notADay, /--as-of must be a date/)
    expectOneLine(reversed, /--from must be before --to/)
    expectOneLine(noChallenger, /"delay" has no challenger on canary/)
    // the progress line before the failure stays; the failure itself is one line, no stack trace
    expect(unreachable.code).toBe(2)
    expect(unreachable.stderr).toMatch(/\ntarmac: GET http:\/\/127\.0\.0\.1:9\/admin\/capture\/delay\?[^\n]+: fetch failed[^\n]*\n$/)
    expect(unreachable.stderr).not.toMatch(/\n\s+at /)
    expectOneLine(noKey, /TARMAC_ADMIN_KEY/)
  })
})

describe('tarmac bench', () => {
  it('refuses unknown sections and a baseline version it cannot publish, before measuring anything', async () => {
    expectOneLine(await tarmac('bench', '--only', 'edgy'), /--only: unknown section edgy/)
    const base = ['bench', '--only', 'edge', '--baseline-root', REPO_ROOT, '--baseline-home', home]
    expectOneLine(await tarmac(...base, '--baseline-version', '1'), /--baseline-version: expected a version of 2 or more/)
    expectOneLine(
      await tarmac('bench', '--baseline-root', REPO_ROOT, '--baseline-version', '3'),
      /--baseline-version: needs --baseline-home/,
    )
    expectOneLine(
      await tarmac('bench', '--only', 'edge', '--baseline-commit', 'no-such-rev'),
      /--baseline-commit: "no-such-rev" is not a commit/,
    )
    expectOneLine(
      await tarmac('bench', '--baseline-commit', 'HEAD', '--baseline-root', REPO_ROOT),
      /--baseline-commit: builds its own baseline; leave out --baseline-root/,
    )
  })
})

describe('tarmac serve', () => {
  it('refuses to start without an admin key', async () => {
    expectOneLine(await tarmac('serve', '--port', '0'), /TARMAC_ADMIN_KEY/)
  })

  it('refuses a monitoring link that is not an http(s) URL', async () => {
    expectOneLine(await tarmac('serve', '--port', '0', '--monitor-url', 'monitor.html'), /--monitor-url must be an http\(s\) URL/)
  })

  it('serves the API until SIGTERM', async () => {
    const server = spawn(process.execPath, [TARMAC_BIN, 'serve', '--port', '0'], {
      cwd: REPO_ROOT,
      env: env({ TARMAC_ADMIN_KEY: ADMIN_KEY }),
    })
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = ''
        server.stdout.on('data', (chunk: Buffer) => {
          out += chunk
          const match = /Tarmac API on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)
          if (match) resolve(match[1])
        })
        server.once('exit', (code) => reject(new Error(`serve exited with ${code} before listening`)))
      })
      expect(await (await fetch(`${url}/health`)).json()).toEqual({ ok: true })
      const { models } = (await (await fetch(`${url}/api/v1/models`)).json()) as { models: { name: string; aliases: object }[] }
      expect(models).toMatchObject([{ name: 'delay' }])
      const exit = new Promise<number | null>((resolve) => server.once('exit', resolve))
      server.kill('SIGTERM')
      expect(await exit).toBe(0)
    } finally {
      server.kill('SIGKILL')
    }
  })
})
