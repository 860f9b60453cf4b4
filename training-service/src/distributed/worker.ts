import { hostname } from 'node:os'
import { type Job, UnrecoverableError, Worker } from 'bullmq'
import { redactUrl } from '../redact-url.ts'
import { type ArtifactStore, putBlob } from '../tracking/artifact-store.ts'
import type { TrialConfig } from '../train/family.ts'
import { parseTrialConfig, runInWorker, TrialFailedError } from '../train/sweep.ts'
import type { EncodedSplit } from '../train/trainer.ts'
import { QUEUE_PREFIX, TRIAL_QUEUE, type TrialReturn, trialJobDataSchema } from './contract.ts'
import { packValue, unpackValue } from './pack.ts'
import { connectRedis, probeRedis } from './redis.ts'

export interface TrialWorkerOptions {
  redisUrl: string
  /** the shared artifact directory the orchestrator writes the splits to */
  store: ArtifactStore & { root?: string }
  /** trials at once, each on its own worker thread */
  concurrency: number
  /**
   * How long a trial's lock lives without renewal: a worker that dies is noticed after about this long,
   * plus half of it for the stalled-job check of the surviving workers.
   */
  lockDurationMs?: number
  log: (line: string) => void
}

/** Splits decoded recently: the trials of one sweep share them, so each worker reads them once. */
function splitCache(store: ArtifactStore, where: string, size = 4) {
  const cache = new Map<string, Promise<EncodedSplit>>()
  return (key: string): Promise<EncodedSplit> => {
    let hit = cache.get(key)
    if (!hit) {
      hit = store.get(key).then((bytes) => {
        // retried, maybe on a worker that does see the file
        if (!bytes) throw new Error(`artifact ${key} is not in ${where}: is the shared artifact directory mounted here?`)
        return unpackValue<EncodedSplit>(bytes)
      })
      hit.catch(() => cache.delete(key))
      cache.set(key, hit)
      if (cache.size > size) cache.delete(cache.keys().next().value as string)
    }
    return hit
  }
}

/**
 * A process that takes trial jobs from Redis, reads their splits from the shared artifact directory, trains
 * on worker threads and writes each result back there. A trial that throws fails for good (UnrecoverableError:
 * the same seed would throw again); a lost worker or a missing file is retried by BullMQ.
 */
export async function startTrialWorker(o: TrialWorkerOptions): Promise<{ close(): Promise<void> }> {
  await probeRedis(o.redisUrl)
  const lockDuration = o.lockDurationMs ?? 10_000
  const me = `${hostname()}:${process.pid}`
  const where = o.store.root ?? 'the artifact store'
  const loadSplit = splitCache(o.store, where)
  const connection = connectRedis(o.redisUrl)

  const processor = async (job: Job): Promise<TrialReturn> => {
    const parsed = trialJobDataSchema.safeParse(job.data)
    if (!parsed.success) throw new UnrecoverableError(`job ${job.id}: not a trial job (${parsed.error.issues[0].message})`)
    const d = parsed.data
    const label = `sweep ${d.sweep} trial ${d.index + 1}`
    let config: TrialConfig
    try {
      config = parseTrialConfig(d.config, d.index)
    } catch (error) {
      o.log(`${label}: invalid config, failed for good`)
      throw new UnrecoverableError((error as Error).message)
    }
    const [train, validate] = await Promise.all([loadSplit(d.train), loadSplit(d.validate)])
    o.log(`${label}: started (attempt ${job.attemptsStarted})`)
    try {
      const result = await runInWorker({ index: d.index, config, shape: d.shape, train, validate }, (_i, epoch) => {
        job.updateProgress(epoch).catch(() => {})
      })
      const stored = await putBlob(o.store, packValue(result))
      o.log(`${label}: finished in ${result.seconds.toFixed(1)}s`)
      return { result: stored.key, worker: me, seconds: result.seconds }
    } catch (error) {
      o.log(`${label}: failed: ${(error as Error).message}`)
      if (error instanceof TrialFailedError) throw new UnrecoverableError(error.message)
      throw error
    }
  }

  const worker = new Worker(TRIAL_QUEUE, processor, {
    connection,
    prefix: QUEUE_PREFIX,
    concurrency: o.concurrency,
    lockDuration,
    stalledInterval: Math.max(500, Math.round(lockDuration / 2)),
    // a trial whose worker died twice is failed rather than handed on forever
    maxStalledCount: 2,
  })
  let lastError = ''
  worker.on('error', (e) => {
    // reconnect noise while Redis restarts: one line per distinct message
    if (e.message !== lastError) o.log(`redis: ${e.message}`)
    lastError = e.message
  })
  worker.on('ready', () => {
    lastError = ''
  })
  await worker.waitUntilReady()
  o.log(`worker ${me} ready: queue "${TRIAL_QUEUE}" on ${redactUrl(o.redisUrl)}, artifacts ${where}, concurrency ${o.concurrency}`)
  return {
    async close() {
      await worker.close()
      connection.disconnect()
    },
  }
}
