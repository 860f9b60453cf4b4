import { SIGNATURE_HEADER, type StreamResult, signWebhook, TIMESTAMP_HEADER } from '@tarmac/sdk/contracts/stream'
import type { StreamConfig } from './config.ts'

/** sendBatch accepts at most 100 messages per call. */
export const QUEUE_BATCH = 100

/** Sends in chunks of 100; rejects when any chunk fails, so the caller retries the messages. */
export async function sendChunked(queue: Queue, bodies: readonly unknown[]): Promise<void> {
  const sends: Promise<unknown>[] = []
  for (let i = 0; i < bodies.length; i += QUEUE_BATCH)
    sends.push(queue.sendBatch(bodies.slice(i, i + QUEUE_BATCH).map((body) => ({ body, contentType: 'json' as const }))))
  await Promise.all(sends)
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * POSTs `{results}` signed over `timestamp.body`; 5xx, 429 and network errors are retried with exponential
 * backoff (250 ms, 500 ms, …), a 4xx is the receiver refusing it and is not. Rejects when it gave up.
 */
export async function postWebhook(config: StreamConfig, results: readonly StreamResult[]): Promise<void> {
  if (!config.webhookUrl || !config.webhookSecret)
    throw new Error('STREAM_SINKS names webhook but STREAM_WEBHOOK_URL or the secret is unset')
  const body = JSON.stringify({ results })
  let last = ''
  for (let attempt = 0; attempt < config.webhookAttempts; attempt++) {
    if (attempt > 0) await sleep(250 * 2 ** (attempt - 1))
    // signed per attempt: a receiver's timestamp tolerance counts from the send, not the first try
    const timestamp = Math.floor(Date.now() / 1000)
    try {
      const response = await fetch(config.webhookUrl, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          [TIMESTAMP_HEADER]: String(timestamp),
          [SIGNATURE_HEADER]: await signWebhook(config.webhookSecret, timestamp, body),
        },
        body,
      })
      await response.body?.cancel()
      if (response.ok) return
      last = `HTTP ${response.status}`
      if (response.status < 500 && response.status !== 429) break
    } catch (error) {
      last = error instanceof Error ? error.message : String(error)
    }
  }
  throw new Error(`webhook delivery failed: ${last}`)
}

/** Every configured sink, in parallel; rejects when one of them did not accept the results. */
export async function deliver(env: Env, config: StreamConfig, results: readonly StreamResult[]): Promise<void> {
  if (results.length === 0) return
  await Promise.all(
    config.sinks.map((sink) => (sink === 'queue' ? sendChunked(env.STREAM_RESULTS, results) : postWebhook(config, results))),
  )
}
