import {
  type DeadLetter,
  type DepartureEvent,
  departureEventSchema,
  departureMessageSchema,
  type StreamResult,
  streamResultSchema,
} from '@tarmac/sdk/contracts/stream'
import { fieldIssues, fromInstance } from '@tarmac/sdk/features'
import { and, eq, inArray } from 'drizzle-orm'
import type { z } from 'zod'
import { configOf } from '../config.ts'
import { database } from '../db/client.ts'
import { streamEvents } from '../db/schema.ts'
import { ApiError } from '../errors.ts'
import { predictFlights } from '../inference.ts'
import { routesToChallenger } from '../models/canary.ts'
import { streamConfigOf } from './config.ts'
import { deliver, sendChunked } from './sinks.ts'

/** D1 binds at most 100 parameters per statement. */
const MAX_IDS = 90
const ROWS_PER_INSERT = Math.floor(100 / 5)

interface Pending {
  message: Message<unknown>
  stream: string
  event: DepartureEvent
  keyHash: string
  enqueuedAt: number
}

type Db = ReturnType<typeof database>

/** Map.groupBy, which the Worker's TypeScript lib (es2022) does not declare. */
function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>()
  for (const item of items) {
    const k = key(item)
    const group = groups.get(k)
    if (group) group.push(item)
    else groups.set(k, [item])
  }
  return groups
}

/** Queue-level backoff for a message whose scoring or delivery failed: 2, 4, 8 … seconds, at most 5 minutes. */
const retryDelay = (m: Message<unknown>) => Math.min(300, 2 ** Math.max(1, m.attempts))

/**
 * Departure events in, results out, once per (stream, event id). Invalid events go to the dead-letter queue
 * with the reason. Valid ones already in stream_events are not scored again: delivered ones are acked, the
 * rest resent from the stored result. New ones are scored with the champion through the predict path (so
 * canary/shadow, telemetry and capture apply), stored with their result, delivered, then marked delivered.
 * A failure retries only the messages it concerns; after `max_retries` the queue dead-letters them.
 */
export async function consumeDepartures(batch: MessageBatch<unknown>, env: Env, ctx: ExecutionContext): Promise<void> {
  const dead: { message: Message<unknown>; letter: DeadLetter }[] = []
  const pending = new Map<string, Pending>()
  for (const message of batch.messages) {
    const parsed = parse(message.body)
    if ('reason' in parsed) dead.push({ message, letter: parsed })
    else if (pending.has(keyOf(parsed)))
      message.ack() // an in-batch duplicate: the first copy answers for it
    else pending.set(keyOf(parsed), { ...parsed, message })
  }

  const db = database(env.DB)
  const stored = await storedResults(db, [...pending.values()])
  const resend: { item: Pending; result: StreamResult }[] = []
  const fresh: Pending[] = []
  for (const [key, item] of pending) {
    const row = stored.get(key)
    if (!row) fresh.push(item)
    else if (row.deliveredAt !== null) item.message.ack()
    else resend.push({ item, result: streamResultSchema.parse(JSON.parse(row.result)) })
  }

  const scored = await Promise.all([...scoringGroups(env, fresh).values()].map((group) => score(env, ctx, group, dead)))
  const claimed = await claim(db, scored.flat())
  await deadLetter(env, dead)

  const outgoing = [...resend, ...claimed]
  try {
    await deliver(
      env,
      streamConfigOf(env),
      outgoing.map((o) => o.result),
    )
  } catch (error) {
    console.error(JSON.stringify({ event: 'stream_delivery_failed', count: outgoing.length, message: String(error) }))
    for (const { item } of outgoing) item.message.retry({ delaySeconds: retryDelay(item.message) })
    return
  }
  await markDelivered(
    db,
    outgoing.map((o) => o.result),
  )
  for (const { item } of outgoing) item.message.ack()
}

const keyOf = (p: { stream: string; event: { id: string } }) => `${p.stream}\u0000${p.event.id}`

function parse(body: unknown): Omit<Pending, 'message'> | DeadLetter {
  const envelope = departureMessageSchema.safeParse(body)
  if (!envelope.success) return rejection('invalid_message', '', envelope.error, body)
  const event = departureEventSchema.safeParse(envelope.data.event)
  if (!event.success) return rejection('invalid_event', 'event.', event.error, body)
  const { stream, enqueuedAt, keyHash } = envelope.data
  return { stream, enqueuedAt, keyHash: keyHash ?? `stream:${stream}`.slice(0, 64), event: event.data }
}

function rejection(reason: DeadLetter['reason'], prefix: string, error: z.ZodError, body: unknown): DeadLetter {
  const [issue] = fieldIssues(error)
  return { reason, field: issue ? `${prefix}${issue.field}` : undefined, detail: issue?.message ?? 'invalid', body }
}

async function storedResults(db: Db, items: Pending[]) {
  const found = new Map<string, { result: string; deliveredAt: number | null }>()
  const byStream = groupBy(items, (i) => i.stream)
  for (const [stream, group] of byStream) {
    for (let i = 0; i < group.length; i += MAX_IDS) {
      const ids = group.slice(i, i + MAX_IDS).map((p) => p.event.id)
      const rows = await db
        .select({ eventId: streamEvents.eventId, result: streamEvents.result, deliveredAt: streamEvents.deliveredAt })
        .from(streamEvents)
        .where(and(eq(streamEvents.stream, stream), inArray(streamEvents.eventId, ids)))
      for (const r of rows) found.set(keyOf({ stream, event: { id: r.eventId } }), r)
    }
  }
  return found
}

/**
 * Events scored in one predict call: same stream, model and producer, and the same side of the canary. Each
 * event is its own stickiness key, so a stream's traffic splits like callers' traffic does.
 */
function scoringGroups(env: Env, items: Pending[]): Map<string, Pending[]> {
  const percent = configOf(env).canaryPercent
  return groupBy(items, (p) => [p.stream, p.event.model, p.keyHash, routesToChallenger(requestKey(p), percent)].join('\u0000'))
}

const requestKey = (p: Pending) => `${p.stream}:${p.event.id}`

async function score(
  env: Env,
  ctx: ExecutionContext,
  group: Pending[],
  dead: { message: Message<unknown>; letter: DeadLetter }[],
): Promise<{ item: Pending; result: StreamResult }[]> {
  const [first] = group
  try {
    const out = await predictFlights(env, ctx, {
      name: first.event.model,
      flights: group.map((p) => fromInstance(p.event.instance)),
      requestKey: requestKey(first),
      callerKey: first.keyHash,
      startedAt: Date.now(),
      // the event is the departure: monitoring dates it there, as it does at-departure predictions
      eventTime: 'departure',
      ids: group.map(requestKey),
    })
    const scoredAt = Date.now()
    return group.map((item, i) => ({
      item,
      result: {
        stream: item.stream,
        id: item.event.id,
        predictionId: out.ids[i],
        model: out.model,
        engine: out.engine,
        probability: out.probabilities[i],
        delayed: out.probabilities[i] >= out.threshold,
        enqueuedAt: item.enqueuedAt,
        scoredAt,
      },
    }))
  } catch (error) {
    if (error instanceof ApiError && error.code === 'model_not_found') {
      for (const p of group)
        dead.push({
          message: p.message,
          letter: { reason: 'model_not_found', field: 'event.model', detail: error.message, body: p.message.body },
        })
    } else {
      // the model could not load or run: transient as far as the stream knows
      console.error(
        JSON.stringify({ event: 'stream_scoring_failed', model: first.event.model, rows: group.length, message: String(error) }),
      )
      for (const p of group) p.message.retry({ delaySeconds: retryDelay(p.message) })
    }
    return []
  }
}

/**
 * Stores each result under its (stream, event id). Only rows this call inserted are returned for delivery:
 * a concurrent consumer that stored the same event first delivers it, so this one acks its copy.
 */
async function claim(db: Db, scored: { item: Pending; result: StreamResult }[]) {
  const now = Date.now()
  const won = new Set<string>()
  for (let i = 0; i < scored.length; i += ROWS_PER_INSERT) {
    const rows = scored.slice(i, i + ROWS_PER_INSERT).map(({ result }) => ({
      stream: result.stream,
      eventId: result.id,
      result: JSON.stringify(result),
      createdAt: now,
      deliveredAt: null,
    }))
    const inserted = await db
      .insert(streamEvents)
      .values(rows)
      .onConflictDoNothing()
      .returning({ stream: streamEvents.stream, eventId: streamEvents.eventId })
    for (const r of inserted) won.add(keyOf({ stream: r.stream, event: { id: r.eventId } }))
  }
  return scored.filter(({ item }) => {
    if (won.has(keyOf(item))) return true
    item.message.ack()
    return false
  })
}

async function markDelivered(db: Db, results: StreamResult[]): Promise<void> {
  const now = Date.now()
  for (const [stream, group] of groupBy(results, (r) => r.stream)) {
    for (let i = 0; i < group.length; i += MAX_IDS) {
      const ids = group.slice(i, i + MAX_IDS).map((r) => r.id)
      await db
        .update(streamEvents)
        .set({ deliveredAt: now })
        .where(and(eq(streamEvents.stream, stream), inArray(streamEvents.eventId, ids)))
    }
  }
}

/** Never dropped: acked only once the dead-letter queue holds them, retried if it would not take them. */
async function deadLetter(env: Env, dead: { message: Message<unknown>; letter: DeadLetter }[]): Promise<void> {
  if (dead.length === 0) return
  try {
    await sendChunked(
      env.DEPARTURES_DLQ,
      dead.map((d) => d.letter),
    )
    for (const d of dead) d.message.ack()
  } catch (error) {
    console.error(JSON.stringify({ event: 'stream_dead_letter_failed', count: dead.length, message: String(error) }))
    for (const d of dead) d.message.retry({ delaySeconds: retryDelay(d.message) })
  }
}

/** tarmac-departures, tarmac-departures-staging, …: the queue names wrangler.toml gives each environment. */
export const isDepartureQueue = (queue: string) => /^tarmac-departures(-staging|-production)?$/.test(queue)
