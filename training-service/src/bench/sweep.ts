import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { NUMERIC_FEATURES } from '@tarmac/sdk/features'
import { seededRandom } from '@tarmac/sdk/random'
import { bullmqExecutor } from '../distributed/bullmq-executor.ts'
import { REDIS_SERVER, startRedisServer } from '../local/redis-server.ts'
import { spawnTarmac } from '../local/tarmac-process.ts'
import { LocalArtifactStore } from '../tracking/artifact-store.ts'
import { trialConfigSchema } from '../train/family.ts'
import { runTrials } from '../train/sweep.ts'
import type { EncodedSplit } from '../train/trainer.ts'
import { fmt, row } from './stats.ts'

function split(rows: number, seed: number): EncodedSplit {
  const rand = seededRandom(seed)
  const width = NUMERIC_FEATURES.length
  const numeric = Float32Array.from({ length: rows * width }, () => rand() * 2 - 1)
  const labels = Uint8Array.from({ length: rows }, (_, r) => (numeric[r * width] + rand() > 0.8 ? 1 : 0))
  const index = () => Int32Array.from({ length: rows }, () => Math.floor(rand() * 200))
  return { rows, width, numeric, origin: index(), destination: index(), labels }
}

/**
 * A 4-trial sweep on worker threads, one lane (the baseline) vs one per core, then the same trials on two
 * `tarmac worker` processes over a private loopback redis-server (the timing includes writing the splits to
 * the shared artifact directory and reading the results back; not the workers' start-up).
 */
export async function benchSweep(rows: number): Promise<string[]> {
  const train = split(rows, 1)
  const validate = split(20_000, 2)
  const shape = { numericWidth: NUMERIC_FEATURES.length, vocab: 200 }
  const jobs = [0, 1, 2, 3].map((index) => ({
    index,
    shape,
    train,
    validate,
    config: trialConfigSchema.parse({ family: 'mlp', epochs: 1, seed: index + 1 }),
  }))
  const timed = async (lanes: number) => {
    const t = performance.now()
    const results = await runTrials(jobs, () => {}, lanes)
    return { seconds: (performance.now() - t) / 1000, results }
  }
  const sequential = (await timed(1)).seconds
  const local = await timed(2)
  const parallel = local.seconds
  const header = `sweep: 4 MLP trials × 1 epoch on ${rows.toLocaleString('en-US')} rows (worker threads; BullMQ: 2 tarmac worker processes, loopback redis-server)`
  const localLines = [
    row('sequential (1 lane) s', fmt(sequential)),
    row('parallel (2 lanes) s', fmt(parallel), `speed-up ${fmt(sequential / parallel, 2)}×`),
  ]
  if (!existsSync(REDIS_SERVER))
    return [header, ...localLines, row('BullMQ (2 workers)', `skipped: no ${REDIS_SERVER} (apt-get install -y redis-server)`)]

  const redis = await startRedisServer()
  const artifacts = await mkdtemp(path.join(tmpdir(), 'tarmac-bench-artifacts-'))
  const workers = [0, 1].map(() => spawnTarmac(['worker', '--redis', redis.url, '--artifacts', artifacts, '--concurrency', '1']))
  let remote: number
  let same: boolean
  try {
    await Promise.all(workers.map((w) => w.waitFor(/ready/)))
    const t = performance.now()
    const outcomes = await bullmqExecutor({ redisUrl: redis.url, store: new LocalArtifactStore(artifacts) }).run(jobs)
    remote = (performance.now() - t) / 1000
    same = outcomes.every(
      (o, i) => o.status === 'finished' && o.result.history.every((e, j) => e.valLoss === local.results[i].history[j].valLoss),
    )
  } finally {
    await Promise.all(workers.map((w) => w.stop()))
    await redis.stop()
    await rm(artifacts, { recursive: true, force: true })
  }
  const perMinute = (s: number) => (4 / s) * 60
  return [
    header,
    ...localLines,
    row('BullMQ (2 workers) s', fmt(remote), same ? 'same losses as local' : 'LOSSES DIFFER FROM LOCAL'),
    row('trials per minute, local (2 lanes)', fmt(perMinute(parallel), 1)),
    row('trials per minute, BullMQ (2 workers)', fmt(perMinute(remote), 1), `${fmt(perMinute(remote) / perMinute(parallel), 2)}× local`),
  ]
}
