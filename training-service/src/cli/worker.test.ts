import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeSmallTrainingSet } from '../../test/flights-sample.ts'
import { freePort } from '../free-port.ts'
import { openHome } from '../home.ts'
import { type RedisServer, startRedisServer } from '../local/redis-server.ts'
import { spawnTarmac, type TarmacProcess } from '../local/tarmac-process.ts'
import { runTarmac } from '../testing/cli.ts'
import { getRun, listRuns } from '../tracking/queries.ts'

// `tarmac train --executor bullmq` end to end: a private redis-server, two `tarmac worker` processes sharing the
// state folder's artifact directory, the real CLI in a child process.

let dir: string
let home: string
let redis: RedisServer
let workers: TarmacProcess[] = []

const tarmac = (...args: string[]) => runTarmac(args, { ...process.env, TARMAC_HOME: home })

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tarmac-worker-cli-'))
  home = path.join(dir, 'home')
  redis = await startRedisServer()
  // no --artifacts: the workers and `tarmac train` share <home>/artifacts, as on one machine
  workers = [0, 1].map(() => spawnTarmac(['worker', '--redis', redis.url, '--home', home, '--concurrency', '1', '--lock-duration', '3000']))
  await Promise.all(workers.map((w) => w.waitFor(/ready/)))
}, 60_000)

afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()))
  await redis?.stop()
  if (dir) await rm(dir, { recursive: true, force: true })
})

describe('tarmac train --executor bullmq', () => {
  it('trains on the workers, prints per-epoch progress and the trials table, records attempts per trial', async () => {
    const sweep = path.join(dir, 'sweep.json')
    const { data, windows } = await writeSmallTrainingSet(dir, 30_000, 4_000)
    await writeFile(
      sweep,
      JSON.stringify({ base: { family: 'mlp', learningRate: 0.01, batchSize: 512, epochs: 2 }, grid: { hidden: [[8], [16]] } }),
    )
    const common = ['--data', data, '--windows', windows, '--sweep', sweep, '--rows', '5000']
    const r = await tarmac('train', ...common, '--executor', 'bullmq', '--redis', redis.url, '--json')
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toMatch(/trial 2\/2 mlp epoch 2: loss/)
    expect(r.stderr).toMatch(/trial 1\/2 finished \(1 attempt\)/)
    const summary = JSON.parse(r.stdout)
    expect(summary.trials).toMatchObject([
      { trial: 1, status: 'finished', attempts: 1 },
      { trial: 2, status: 'finished', attempts: 1 },
    ])
    expect(workers.map((w) => w.output()).join('\n')).toMatch(/trial 1: finished/)
    const h = await openHome(home)
    try {
      const trialRuns = (await listRuns(h.db)).filter((run) => run.parentRunId === summary.runId)
      expect(trialRuns).toHaveLength(2)
      for (const t of trialRuns) expect((await getRun(h.db, t.id)).metrics).toMatchObject({ attempts: 1 })
    } finally {
      await h.close()
    }
  }, 120_000)

  // how long an unreachable Redis takes to give up is probeRedis's test (redis.test.ts); here, that it is one line and exit 2
  it('refuses bad input and an unreachable Redis in one line with exit code 2', async () => {
    const nobody = `redis://127.0.0.1:${await freePort()}`
    const cases: [string[], RegExp][] = [
      [['worker'], /--redis is required/],
      [['worker', '--redis', 'http://127.0.0.1:6379'], /must be redis:\/\/host:port/],
      [['worker', '--redis', nobody], new RegExp(`cannot reach Redis at ${nobody}`)],
      [['train', '--executor', 'bullmq'], /--executor bullmq needs --redis/],
      [['train', '--executor', 'spark'], /--executor must be local or bullmq/],
      [['train', '--redis', redis.url], /--redis is only used with --executor bullmq/],
      [['train', '--executor', 'bullmq', '--redis', nobody], new RegExp(`cannot reach Redis at ${nobody}`)],
    ]
    const results = await Promise.all(cases.map(([args]) => tarmac(...args)))
    results.forEach((r, i) => {
      const [args, message] = cases[i]
      expect(r.code, args.join(' ')).toBe(2)
      expect(r.stderr.trim().split('\n')).toHaveLength(1)
      expect(r.stderr).toMatch(message)
    })
  }, 60_000)
})
