import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { FlowProducer, Job, type JobsOptions, Queue, QueueEvents } from 'bullmq'
import { redactUrl } from '../redact-url.ts'
import { type ArtifactStore, putBlob } from '../tracking/artifact-store.ts'
import type { SweepHooks, TrialExecutor, TrialOutcome } from '../train/executor.ts'
import type { TrialJob } from '../train/sweep.ts'
import type { EncodedSplit, TrialResult } from '../train/trainer.ts'
import {
  epochProgressSchema,
  QUEUE_PREFIX,
  SWEEP_QUEUE,
  TRIAL_QUEUE,
  type TrialJobData,
  trialJobId,
  trialReturnSchema,
} from './contract.ts'
import { packValue, unpackValue } from './pack.ts'
import { connectRedis, probeRedis } from './redis.ts'

export interface BullmqExecutorOptions {
  redisUrl: string
  /** the shared artifact directory: splits are written here, results read from here */
  store: ArtifactStore & { root?: string }
  /** starts per trial, counting restarts after a failure (default 3) */
  attempts?: number
  /** first retry delay after a failure, doubled each time (default 1000 ms) */
  backoffMs?: number
  /** how often the trials' states are read (default 250 ms) */
  pollMs?: number
  /** how long Redis may stay unreachable before the sweep gives up (default 60 s) */
  redisTimeoutMs?: number
}

/**
 * Sweep trials as a BullMQ flow: one parent job for the sweep, one child job per trial carrying only the
 * config, shape and artifact keys. Workers (`tarmac worker`) train them; this side polls the trials' states,
 * keeps each finished result as it arrives (so a Redis restart loses nothing already seen and nothing
 * finished runs again) and prints per-epoch progress from the queue's events.
 */
export function bullmqExecutor(o: BullmqExecutorOptions): TrialExecutor {
  return { name: 'bullmq', run: (jobs, hooks = {}) => runOnBullmq(o, jobs, hooks) }
}

async function runOnBullmq(o: BullmqExecutorOptions, jobs: TrialJob[], hooks: SweepHooks): Promise<TrialOutcome[]> {
  const log = hooks.log ?? (() => {})
  await probeRedis(o.redisUrl)
  const where = o.store.root ?? 'the artifact store'
  const sweep = randomUUID()

  // the big inputs go to the shared directory once per distinct split; jobs carry their keys
  const keys = new Map<EncodedSplit, Promise<string>>()
  const keyOf = (split: EncodedSplit) => {
    let key = keys.get(split)
    if (!key) {
      key = putBlob(o.store, packValue(split)).then((b) => b.key)
      keys.set(split, key)
    }
    return key
  }
  const payloads: TrialJobData[] = await Promise.all(
    jobs.map(async (j) => ({
      sweep,
      index: j.index,
      config: j.config,
      shape: j.shape,
      train: await keyOf(j.train),
      validate: await keyOf(j.validate),
    })),
  )
  const position = new Map(payloads.map((p, i) => [trialJobId(sweep, p.index), i]))
  const childOptions = (p: TrialJobData): JobsOptions => ({
    jobId: trialJobId(sweep, p.index),
    attempts: o.attempts ?? 3,
    backoff: { type: 'exponential', delay: o.backoffMs ?? 1000 },
    // a failed trial must not hold the sweep: the parent waits for the others
    ignoreDependencyOnFailure: true,
    removeOnComplete: { age: 24 * 3600 },
    removeOnFail: { age: 7 * 24 * 3600 },
  })

  const connection = connectRedis(o.redisUrl)
  connection.on('error', () => {})
  const queue = new Queue(TRIAL_QUEUE, { connection, prefix: QUEUE_PREFIX })
  const sweeps = new Queue(SWEEP_QUEUE, { connection, prefix: QUEUE_PREFIX })
  const flow = new FlowProducer({ connection, prefix: QUEUE_PREFIX })
  // read events from now on (Redis' clock), so none between subscribing and enqueueing is missed
  const [seconds, micros] = await connection.time()
  const events = new QueueEvents(TRIAL_QUEUE, {
    connection,
    prefix: QUEUE_PREFIX,
    lastEventId: `${Number(seconds) * 1000 + Math.floor(Number(micros) / 1000)}-0`,
  })
  // connection errors while Redis restarts: the poll below bounds the outage
  queue.on('error', () => {})
  sweeps.on('error', () => {})
  flow.on('error', () => {})
  events.on('error', () => {})
  events.on('progress', ({ jobId, data }) => {
    const i = position.get(jobId)
    const epoch = epochProgressSchema.safeParse(data)
    if (i !== undefined && epoch.success) hooks.onEpoch?.(jobs[i].index, epoch.data)
  })

  const outcomes: (TrialOutcome | undefined)[] = new Array(jobs.length)
  const missing = new Array<number>(jobs.length).fill(0)
  let settled = 0
  const settle = async (i: number, outcome: TrialOutcome) => {
    outcomes[i] = outcome
    settled++
    const n = `trial ${outcome.index + 1}/${jobs.length}`
    const tries = `${outcome.attempts} attempt${outcome.attempts === 1 ? '' : 's'}`
    log(outcome.status === 'finished' ? `${n} finished (${tries})` : `${n} failed after ${tries}: ${outcome.error}`)
    await hooks.onOutcome?.(outcome)
  }

  /** One pass over the unsettled trials: a finished one is read from the shared directory and kept. */
  const poll = async () => {
    for (const [i, p] of payloads.entries()) {
      if (outcomes[i]) continue
      const id = trialJobId(sweep, p.index)
      // the state first: a job read before it completes would lack the return value of a state read after
      const state = await queue.getJobState(id)
      const job = state === 'unknown' ? undefined : await Job.fromId<TrialJobData>(queue, id)
      if (!job) {
        // gone (Redis restarted without its append-only file): enqueue it again, alone
        if (++missing[i] >= 3) {
          missing[i] = 0
          log(`trial ${p.index + 1}: its job vanished from Redis, enqueueing it again`)
          await queue.add(`trial-${p.index + 1}`, p, { ...childOptions(p), ignoreDependencyOnFailure: undefined })
        }
        continue
      }
      missing[i] = 0
      const attempts = Math.max(1, job.attemptsStarted)
      if (state === 'completed') {
        const value = trialReturnSchema.parse(job.returnvalue)
        const bytes = await o.store.get(value.result)
        if (!bytes)
          throw new Error(
            `the result of trial ${p.index + 1} (${value.result}, from worker ${value.worker}) is not in ${where}: workers and this process must share the artifact directory`,
          )
        await settle(i, { index: p.index, status: 'finished', result: unpackValue<TrialResult>(bytes), attempts })
      } else if (state === 'failed') {
        await settle(i, { index: p.index, status: 'failed', error: job.failedReason || 'failed', attempts })
      }
    }
  }

  const timeout = o.redisTimeoutMs ?? 60_000
  try {
    await events.waitUntilReady()
    await flow.add({
      name: 'sweep',
      queueName: SWEEP_QUEUE,
      data: { trials: jobs.length },
      opts: { jobId: sweep },
      children: payloads.map((p) => ({ name: `trial-${p.index + 1}`, queueName: TRIAL_QUEUE, data: p, opts: childOptions(p) })),
    })
    log(`${jobs.length} trials enqueued on ${redactUrl(o.redisUrl)} as sweep ${sweep}; inputs in ${where}`)
    while (settled < jobs.length) {
      // commands wait for a reconnect while Redis is down: bound that wait
      await withTimeout(poll(), timeout, () => {
        const done = outcomes.filter(Boolean).length
        return `lost Redis at ${redactUrl(o.redisUrl)} for ${timeout / 1000}s with ${done} of ${jobs.length} trials done`
      })
      if (settled < jobs.length) await sleep(o.pollMs ?? 250)
    }
    // the sweep is collected: drop its jobs (results stay in the artifact directory)
    await withTimeout(sweeps.remove(sweep, { removeChildren: true }), 5000, () => 'cleanup timed out').catch(() => {})
    return outcomes as TrialOutcome[]
  } finally {
    // closing waits for Redis; when it is gone, give up after a moment rather than hang
    const closed = Promise.allSettled([events.close(), flow.close(), queue.close(), sweeps.close()])
    await withTimeout(closed, 3000, () => 'close timed out').catch(() => events.disconnect())
    connection.disconnect()
  }
}

async function withTimeout<T>(p: Promise<T>, ms: number, message: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message())), ms)
  })
  try {
    return await Promise.race([p, expired])
  } finally {
    clearTimeout(timer)
  }
}
