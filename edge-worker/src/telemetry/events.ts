import { departureParts, type Flight, type FlightInstance, flightInstanceSchema } from '@tarmac/sdk/features'
import { z } from 'zod'

/**
 * One prediction as the queue carries it: what the profiles, the inference capture and the feedback join
 * need. No raw body and no key: the caller is a truncated hash, the flight its validated instance.
 */
export const predictionEventSchema = z.object({
  /** unique per event; the consumer's idempotency key */
  eventId: z.string().min(1).max(128),
  predictionId: z.string().min(1).max(128),
  role: z.enum(['served', 'shadow']),
  source: z.enum(['edge', 'browser']),
  engine: z.string().min(1).max(32),
  model: z.string().min(1).max(63),
  version: z.number().int().positive(),
  at: z.number().int().nonnegative(),
  latencyMs: z.number().nonnegative(),
  probability: z.number().min(0).max(1),
  features: z.object({
    origin: z.string(),
    destination: z.string(),
    departure_hour: z.number().int().min(0).max(23),
    day_of_week: z.number().int().min(0).max(6),
    distance: z.number(),
  }),
  /** truncated hash of the caller's key (or address) that made the prediction: who may label it */
  keyHash: z.string().max(64),
  /** the validated request row, for the inference capture (optional: events queued before capture existed) */
  instance: flightInstanceSchema.optional(),
})
export type PredictionEvent = z.infer<typeof predictionEventSchema>

/**
 * Rows a model version was asked to score and could not (its blob would not load, no engine ran it, a
 * shadow run threw): the numerator of the version's error rate. Client mistakes (4xx) are not its failures.
 */
export const failureEventSchema = z.object({
  kind: z.literal('failure'),
  eventId: z.string().min(1).max(128),
  role: z.enum(['served', 'shadow']),
  model: z.string().min(1).max(63),
  version: z.number().int().positive(),
  at: z.number().int().nonnegative(),
  rows: z.number().int().positive(),
  /** the error code the caller saw (or would have, for a shadow run) */
  code: z.string().min(1).max(64),
})
export type FailureEvent = z.infer<typeof failureEventSchema>

/** Everything the telemetry queue carries. */
export const telemetryMessageSchema = z.union([failureEventSchema, predictionEventSchema])
export type TelemetryMessage = z.infer<typeof telemetryMessageSchema>
export type RawFeatures = PredictionEvent['features']

export function rawFeatures(f: Flight): RawFeatures {
  const parts = departureParts(f.departureMs)
  return { origin: f.origin, destination: f.destination, departure_hour: parts.hour, day_of_week: parts.dayOfWeek, distance: f.distance }
}

/** A flight as the request named it: its departure is the wall clock (kept as UTC), without the offset. */
export function instanceOf(f: Flight): FlightInstance {
  return {
    origin: f.origin,
    destination: f.destination,
    departedAt: new Date(f.departureMs).toISOString().slice(0, 19),
    distance: f.distance,
  }
}

/** Hour bucket 'YYYY-MM-DDTHH' (UTC) of an epoch-ms instant. */
export function hourBucket(at: number): string {
  return new Date(at).toISOString().slice(0, 13)
}

/** Queue sendBatch accepts at most 100 messages per call. */
const QUEUE_BATCH = 100

/**
 * How long a request's events wait for those of the requests beside it: under load they then share a sendBatch
 * instead of taking one each, which keeps the Queue's per-call cost off the predict path.
 */
const TELEMETRY_COALESCE_MS = 50

/** Events handed over and not sent yet, per Queue binding (tests run several bindings in one isolate). */
const unsent = new WeakMap<Queue, TelemetryMessage[]>()

/**
 * Hands a request's events to the Queue, for the caller's `waitUntil`. The request waits briefly, then sends all
 * the isolate's events not sent yet: its own, unless an earlier request's send took them along. Requests share
 * data, never a promise: each send is started and awaited by one request, because the Workers runtime cancels a
 * promise of one request awaited by another ("Promise will never complete"), which lost a fifth of the telemetry of
 * a 1,000,000-row bench when sends were shared that way. Telemetry is best effort, so a failed send is logged once
 * and never rejects (a full queue must not turn into failed predictions).
 */
export async function enqueue(queue: Queue, events: readonly TelemetryMessage[]): Promise<void> {
  const waiting = unsent.get(queue)
  if (waiting) waiting.push(...events)
  else unsent.set(queue, [...events])
  await new Promise((resolve) => setTimeout(resolve, TELEMETRY_COALESCE_MS))
  const taken = unsent.get(queue)
  if (!taken) return
  unsent.delete(queue)
  const sends: Promise<unknown>[] = []
  for (let i = 0; i < taken.length; i += QUEUE_BATCH) {
    sends.push(queue.sendBatch(taken.slice(i, i + QUEUE_BATCH).map((body) => ({ body, contentType: 'json' as const }))))
  }
  try {
    await Promise.all(sends)
  } catch (error) {
    console.error(
      JSON.stringify({
        event: 'telemetry_enqueue_failed',
        count: taken.length,
        message: error instanceof Error ? error.message : String(error),
      }),
    )
  }
}
