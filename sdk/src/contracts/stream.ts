import { z } from 'zod'
import { flightInstanceSchema } from '../features/schema.ts'

/** A flight that just left the gate, as an operations system emits it; `id` is the idempotency key. */
export const departureEventSchema = z.object({
  id: z
    .string()
    // 48 keeps `<stream>:<id>:shadow` within the 128 characters of a telemetry event id
    .regex(/^[A-Za-z0-9._:-]{1,48}$/, 'must be 1-48 letters, digits, dots, dashes, colons or underscores'),
  model: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and dashes'),
  instance: flightInstanceSchema,
})
export type DepartureEvent = z.infer<typeof departureEventSchema>

/** At most this many events per POST: sent to the queue in chunks of 100 (sendBatch's limit). */
export const MAX_STREAM_EVENTS = 500

/** 202 of `POST /v1/streams/{name}/events`: the events are on the departures queue. */
export const streamEventsAcceptedSchema = z.object({ stream: z.string(), enqueued: z.number().int(), batches: z.number().int() })

export const streamEventsRequestSchema = z.object({
  events: z.array(departureEventSchema).min(1, 'at least one event is required').max(MAX_STREAM_EVENTS),
})

/** What the departures queue carries: the event as sent (validated by the consumer, not the producer). */
export const departureMessageSchema = z.object({
  stream: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and dashes'),
  /** enqueue time (epoch ms), for the enqueue→sink latency */
  enqueuedAt: z.number().int().nonnegative(),
  /** truncated hash of the producer's key: who may label the predictions; absent from upstream Workers */
  keyHash: z.string().max(64).optional(),
  event: z.unknown(),
})
export type DepartureMessage = z.infer<typeof departureMessageSchema>

/** One scored event as the sinks receive it (results queue message, or an element of a webhook body). */
export const streamResultSchema = z.object({
  stream: z.string(),
  id: z.string(),
  /** the id feedback labels it by */
  predictionId: z.string(),
  model: z.object({ name: z.string(), version: z.number().int(), alias: z.string() }),
  engine: z.string(),
  probability: z.number(),
  delayed: z.boolean(),
  enqueuedAt: z.number().int(),
  scoredAt: z.number().int(),
})
export type StreamResult = z.infer<typeof streamResultSchema>

/** A webhook body: the results of one consumer batch for one stream. */
export const streamWebhookBodySchema = z.object({ results: z.array(streamResultSchema) })

/**
 * What the consumer sends to the dead-letter queue for an event it will never score, with the reason.
 * (Messages the queue itself moves there after `max_retries` arrive as the original DepartureMessage.)
 */
export const deadLetterSchema = z.object({
  reason: z.enum(['invalid_message', 'invalid_event', 'model_not_found']),
  /** the offending field, e.g. `event.instance.departedAt` */
  field: z.string().optional(),
  detail: z.string(),
  /** the message as it arrived */
  body: z.unknown(),
})
export type DeadLetter = z.infer<typeof deadLetterSchema>

export const SIGNATURE_HEADER = 'X-Tarmac-Signature'
export const TIMESTAMP_HEADER = 'X-Tarmac-Timestamp'
/** A receiver refuses webhooks signed longer ago than this: a captured request cannot be replayed later. */
export const WEBHOOK_TOLERANCE_SECONDS = 300

const encoder = new TextEncoder()

function hmacKey(secret: string) {
  return crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify'])
}

const hex = (bytes: ArrayBuffer) => [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, '0')).join('')

/** `v1=<hex HMAC-SHA256 of "timestamp.body">`, timestamp in unix seconds. */
export async function signWebhook(secret: string, timestamp: number, body: string): Promise<string> {
  const mac = await crypto.subtle.sign('HMAC', await hmacKey(secret), encoder.encode(`${timestamp}.${body}`))
  return `v1=${hex(mac)}`
}

export type WebhookVerdict = { ok: true } | { ok: false; reason: 'missing_headers' | 'stale_timestamp' | 'bad_signature' }

/**
 * A receiver's check of a Tarmac webhook: the signature must match the raw body and the timestamp, and the
 * timestamp must be within `toleranceSeconds` of `now` (ms). The comparison is HMAC verify: constant time.
 */
export async function verifyWebhook(opts: {
  secret: string
  body: string
  timestamp: string | null | undefined
  signature: string | null | undefined
  now?: number
  toleranceSeconds?: number
}): Promise<WebhookVerdict> {
  const { secret, body, timestamp, signature } = opts
  if (!timestamp || !signature || !/^\d+$/.test(timestamp) || !/^v1=[0-9a-f]{64}$/.test(signature))
    return { ok: false, reason: 'missing_headers' }
  const age = Math.abs((opts.now ?? Date.now()) / 1000 - Number(timestamp))
  if (age > (opts.toleranceSeconds ?? WEBHOOK_TOLERANCE_SECONDS)) return { ok: false, reason: 'stale_timestamp' }
  const mac = Uint8Array.from(signature.slice(3).match(/../g) ?? [], (h) => Number.parseInt(h, 16))
  const valid = await crypto.subtle.verify('HMAC', await hmacKey(secret), mac, encoder.encode(`${timestamp}.${body}`))
  return valid ? { ok: true } : { ok: false, reason: 'bad_signature' }
}
