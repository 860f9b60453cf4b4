import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RedisServer, startRedisServer } from '../local/redis-server.ts'
import { spawnTarmac, type TarmacProcess } from '../local/tarmac-process.ts'
import { SYNTHETIC_SHAPE, syntheticSplit } from '../testing/splits.ts'
import { LocalArtifactStore } from '../tracking/artifact-store.ts'
import { localExecutor, type TrialOutcome } from '../train/executor.ts'
import { type TrialConfig, trialConfigSchema } from '../train/family.ts'
import type { TrialJob } from '../train/sweep.ts'
import type { EpochRecord, TrialResult } from '../train/trainer.ts'
import { bullmqExecutor } from './bullmq-executor.ts'

// Real services: a private redis-server (append-only) and real `tarmac worker` processes on loopback.
let redis: RedisServer
let artifacts: string
const workers: TarmacProcess[] = []
const startWorker = () => {
  const w = spawnTarmac(['worker', '--redis', redis.url, '--artifacts', artifacts, '--concurrency', '1', '--lock-duration', '3000'])
  workers.push(w)
  return w
}

const train = syntheticSplit(3000, 1)
const validate = syntheticSplit(1000, 2)
const config = (i: number, over: Partial<TrialConfig> = {}): TrialConfig =>
  trialConfigSchema.parse({
    family: i % 4 === 3 ? 'logreg' : 'mlp',
    hidden: [[8], [16], [8, 4]][i % 3],
    epochs: 2,
    batchSize: 256,
    learningRate: 0.02,
    seed: i + 1,
    ...over,
  })
const jobs: TrialJob[] = Array.from({ length: 8 }, (_, index) => ({
  index,
  config: config(index),
  shape: SYNTHETIC_SHAPE,
  train,
  validate,
}))

/** What a results table shows per trial, and the weights: equal whichever executor ran the trial. */
const table = (outcomes: TrialOutcome[]) =>
  outcomes.map((o) => {
    if (o.status !== 'finished') return { status: o.status }
    const r = o.result
    return {
      history: r.history.map(({ seconds: _, ...metrics }) => metrics),
      bestEpoch: r.bestEpoch,
      valPredictions: Array.from(r.valPredictions),
    }
  })
const weightsOf = (r: TrialResult) => [
  ...r.net.embeddings.map((e) => Array.from(e.table)),
  ...r.net.layers.flatMap((l) => [Array.from(l.weights), Array.from(l.bias)]),
]
const finished = (o: TrialOutcome) => {
  if (o.status !== 'finished') throw new Error(`trial ${o.index + 1} failed: ${o.error}`)
  return o.result
}

let local: TrialOutcome[]
const executor = (extra: Partial<Parameters<typeof bullmqExecutor>[0]> = {}) =>
  bullmqExecutor({ redisUrl: redis.url, store: new LocalArtifactStore(artifacts), pollMs: 100, backoffMs: 200, ...extra })

beforeAll(async () => {
  redis = await startRedisServer({ appendonly: true })
  artifacts = await mkdtemp(path.join(tmpdir(), 'tarmac-shared-artifacts-'))
  const ready = Promise.all([startWorker(), startWorker()].map((w) => w.waitFor(/ready/)))
  ;[local] = await Promise.all([localExecutor(2).run(jobs), ready])
}, 60_000)

afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop('SIGKILL')))
  await redis?.stop()
  if (artifacts) await rm(artifacts, { recursive: true, force: true })
})

describe('BullMQ executor with tarmac worker processes', () => {
  it('runs 8 trials on 2 workers with the same results table and bit-identical weights as the local executor', async () => {
    const epochs: [number, EpochRecord][] = []
    const lines: string[] = []
    // what Redis holds for a trial while the sweep runs: config, shape and artifact keys, not the rows
    const client = new Redis(redis.url)
    let payload: Promise<string | null> | undefined
    let remote: TrialOutcome[]
    let data: Record<string, unknown>
    try {
      remote = await executor().run(jobs, {
        onOutcome: () => {
          const sweep = /as sweep (\S+);/.exec(lines.join('\n'))![1]
          payload ??= client.hget(`tarmac:trials:${sweep}-t7`, 'data')
        },
        onEpoch: (i, e) => epochs.push([i, e]),
        log: (l) => lines.push(l),
      })
      data = JSON.parse((await payload) ?? 'null')
    } finally {
      client.disconnect()
    }
    expect(Object.keys(data).sort()).toEqual(['config', 'index', 'shape', 'sweep', 'train', 'validate'])
    expect(data.train).toMatch(/^blobs\/[0-9a-f]{64}$/)
    expect(JSON.stringify(data).length).toBeLessThan(1000)
    expect(train.numeric.byteLength).toBeGreaterThan(100_000)
    expect(table(remote)).toEqual(table(local))
    expect(remote.map((o) => weightsOf(finished(o)))).toEqual(local.map((o) => weightsOf(finished(o))))
    expect(remote.map((o) => o.attempts)).toEqual(Array(8).fill(1))
    // per-epoch progress arrives through the queue's events, for every trial
    expect(new Set(epochs.map(([i]) => i))).toEqual(new Set([0, 1, 2, 3, 4, 5, 6, 7]))
    expect(lines.some((l) => /8 trials enqueued/.test(l))).toBe(true)
    // both workers took part, each trial ran once
    for (const w of workers) expect(w.output()).toMatch(/trial \d+: finished/)
    const sweep = /as sweep (\S+);/.exec(lines.join('\n'))![1]
    const runs = workers.flatMap((w) => w.output().match(new RegExp(`sweep ${sweep} trial \\d+: finished`, 'g')) ?? [])
    expect(runs).toHaveLength(8)
  })

  it('fails a trial that throws inside training once, for good, and finishes the others', async () => {
    const bad = { ...jobs[1], index: 1, shape: { ...SYNTHETIC_SHAPE, numericWidth: SYNTHETIC_SHAPE.numericWidth + 1 } }
    const invalid = { ...jobs[2], index: 2, config: { ...jobs[2].config, learningRate: -1 } }
    const outcomes = await executor().run([jobs[0], bad, invalid])
    expect(outcomes.map((o) => [o.status, o.attempts])).toEqual([
      ['finished', 1],
      ['failed', 1],
      ['failed', 1],
    ])
    expect(table([outcomes[0]])).toEqual(table([local[0]]))
    expect(outcomes[1]).toMatchObject({ error: expect.stringMatching(/trial 2: .*shape/) })
    expect(outcomes[2]).toMatchObject({ error: 'trial 3: learningRate must be > 0' })
  })

  it('keeps finished results through a Redis restart and runs no finished trial again', async () => {
    const lines: string[] = []
    let restarted: Promise<void> | undefined
    const before: number[] = []
    const remote = await executor().run(jobs, {
      onOutcome: (o) => {
        if (restarted) return
        before.push(o.index)
        if (before.length === 3) restarted = redis.restart()
      },
      log: (l) => lines.push(l),
    })
    await restarted
    expect(before).toHaveLength(3)
    expect(table(remote)).toEqual(table(local))
    const sweep = /as sweep (\S+);/.exec(lines.join('\n'))![1]
    const output = workers.map((w) => w.output()).join('\n')
    for (const i of before) {
      expect(output.match(new RegExp(`sweep ${sweep} trial ${i + 1}: finished`, 'g'))).toHaveLength(1)
      expect(remote[i].attempts).toBe(1)
    }
  })

  it('enqueues again only the unfinished trials when Redis loses its data', async () => {
    const lines: string[] = []
    const before: number[] = []
    let flushed: Promise<unknown> | undefined
    const client = new Redis(redis.url)
    try {
      const remote = await executor().run(jobs, {
        onOutcome: (o) => {
          if (flushed) return
          before.push(o.index)
          // what a restart without the append-only file leaves: nothing
          if (before.length === 2) flushed = client.flushall()
        },
        log: (l) => lines.push(l),
      })
      await flushed
      expect(table(remote)).toEqual(table(local))
      expect(lines.join('\n')).toMatch(/vanished from Redis, enqueueing it again/)
      for (const i of before) expect(lines.join('\n')).not.toMatch(new RegExp(`trial ${i + 1}: its job vanished`))
    } finally {
      client.disconnect()
    }
  })

  it('completes all 8 trials when a worker is SIGKILLed mid-trial: its trial is retried on the other worker', async () => {
    const [victim] = workers.filter((w) => w.child.exitCode === null)
    const lines: string[] = []
    const run = executor().run(jobs, { log: (l) => lines.push(l) })
    const mark = victim.output().length
    await victim.waitFor(new RegExp(`[^]{${mark}}[^]*started`), 20_000)
    victim.child.kill('SIGKILL')
    const remote = await run
    expect(table(remote)).toEqual(table(local))
    expect(
      remote.map((o) => o.attempts),
      `${lines.join('\n')}\n${victim.output()}`,
    ).toContain(2)
    expect(lines.join('\n')).toMatch(/finished \(2 attempts\)/)
  })

  it('gives up with the URL named when Redis stays down longer than the timeout', async () => {
    let down: Promise<void> | undefined
    const run = executor({ redisTimeoutMs: 2000 }).run(jobs, {
      onOutcome: () => {
        down ??= redis.shutdown()
      },
    })
    await expect(run).rejects.toThrow(new RegExp(`lost Redis at ${redis.url}/? for 2s with \\d of 8 trials done`))
    await down
    await redis.start()
  })
})
