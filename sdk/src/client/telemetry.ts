import type { TelemetryPrediction } from '../contracts/telemetry.ts'
import type { EventQueue } from './event-queue.ts'
import type { TelemetryOptions } from './types.ts'
import { type WorkerClient, WorkerError } from './worker.ts'

/** One on-device prediction, in the shape of the Worker's POST /v1/telemetry. */
export type TelemetryEvent = TelemetryPrediction

export interface Telemetry {
  /** samples the events and queues them; a flush follows at batchSize or after flushMs */
  record(events: readonly TelemetryEvent[]): Promise<void>
  /** sends what is queued, batch by batch, until the queue is empty or the network refuses */
  flush(): Promise<void>
  pending(): Promise<number>
  close(): void
}

/** The Worker takes at most MAX_BATCH_ROWS rows and keepalive bodies at most 64 KiB. */
const MAX_BATCH = 100

export function createTelemetry(worker: WorkerClient, options: TelemetryOptions, queue: EventQueue<TelemetryEvent>): Telemetry {
  const batchSize = Math.max(1, Math.min(MAX_BATCH, options.batchSize))
  let timer: ReturnType<typeof setTimeout> | undefined
  let flushing: Promise<void> | undefined

  const schedule = (afterMs = options.flushMs) => {
    timer ??= setTimeout(() => {
      timer = undefined
      void flush()
    }, afterMs)
  }
  /** a 429's Retry-After, honoured by the next flush */
  let retryAfterMs = 0

  /** true: the batch left the queue (accepted, or refused for good); false: try again later */
  const send = async (items: TelemetryEvent[]): Promise<boolean> => {
    try {
      await worker.telemetry(items, { keepalive: true })
      return true
    } catch (error) {
      if (!(error instanceof WorkerError)) return false
      retryAfterMs = error.retryAfterMs ?? 0
      // a 4xx other than 408/429 would be refused again on every retry
      return error.status >= 400 && error.status < 500 && error.status !== 408 && error.status !== 429
    }
  }

  const drain = async () => {
    for (;;) {
      if (globalThis.navigator?.onLine === false) return
      const { keys, items } = await queue.peek(batchSize)
      if (items.length === 0) return
      if (!(await send(items))) return schedule(Math.max(options.flushMs, retryAfterMs))
      await queue.remove(keys)
    }
  }

  const flush = (): Promise<void> => {
    flushing ??= drain().finally(() => {
      flushing = undefined
    })
    return flushing
  }

  const onOnline = () => void flush()
  const onHidden = () => {
    if (document.visibilityState === 'hidden') void flush()
  }
  globalThis.addEventListener?.('online', onOnline)
  globalThis.document?.addEventListener('visibilitychange', onHidden)

  return {
    async record(events) {
      const sampled = events.filter(() => Math.random() < options.sampleRate)
      if (sampled.length === 0) return
      await queue.add(sampled)
      if ((await queue.count()) >= batchSize) void flush()
      else schedule()
    },
    flush,
    pending: () => queue.count(),
    close() {
      clearTimeout(timer)
      globalThis.removeEventListener?.('online', onOnline)
      globalThis.document?.removeEventListener('visibilitychange', onHidden)
    },
  }
}
