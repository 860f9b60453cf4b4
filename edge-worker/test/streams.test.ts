import { createExecutionContext, createMessageBatch, env, getQueueResult, waitOnExecutionContext } from 'cloudflare:test'
import type { DeadLetter, DepartureMessage, StreamResult } from '@tarmac/sdk/contracts/stream'
import { and, eq, sql } from 'drizzle-orm'
import { beforeAll, describe, expect, it } from 'vitest'
import { database } from '../src/db/client.ts'
import { predictions, streamEvents } from '../src/db/schema.ts'
import worker from '../src/index.ts'
import { instances, type ModelFixture, makeModel, postJson, publish, reference, waitFor } from './fixtures.ts'

const db = database(env.DB)
let model: ModelFixture
const rows = instances(8, 41)

beforeAll(async () => {
  model = await makeModel('stream-model', 1, 601)
  await publish(model)
})

/** The real bindings, with a record of what the consumer handed each: the sinks have no consumer here. */
function sinks(overrides: Partial<Env> = {}) {
  const results: StreamResult[] = []
  const dead: DeadLetter[] = []
  const recording = <T>(queue: Queue, into: T[]): Queue => ({
    send: (body, options) => {
      into.push(body as T)
      return queue.send(body, options)
    },
    sendBatch: (messages, options) => {
      into.push(...[...messages].map((m) => m.body as T))
      return queue.sendBatch(messages, options)
    },
    metrics: () => queue.metrics(),
  })
  const bound: Env = {
    ...env,
    STREAM_RESULTS: recording(env.STREAM_RESULTS, results),
    DEPARTURES_DLQ: recording(env.DEPARTURES_DLQ, dead),
    ...overrides,
  }
  return { env: bound, results, dead }
}

const message = (stream: string, i: number, model = 'stream-model'): DepartureMessage => ({
  stream,
  enqueuedAt: Date.now(),
  event: { id: `${stream}-${i}`, model, instance: rows[i] },
})

async function consume(bodies: unknown[], bound: Env, attempts = 1) {
  const batch = createMessageBatch(
    'tarmac-departures',
    bodies.map((body, i) => ({ id: `m-${attempts}-${i}`, timestamp: new Date(), attempts, body })),
  )
  const ctx = createExecutionContext()
  await worker.queue(batch, bound, ctx)
  await waitOnExecutionContext(ctx)
  return getQueueResult(batch, ctx)
}

const scoredCount = async (prefix: string) => {
  const [{ n }] = await db
    .select({ n: sql<number>`count(*)` })
    .from(predictions)
    .where(and(eq(predictions.model, 'stream-model'), sql`${predictions.predictionId} like ${`${prefix}:%`}`))
  return n
}

describe('departure stream consumer', () => {
  it('scores and delivers each valid event id once across duplicates and redelivery; invalid events go to the DLQ with reasons', async () => {
    const s = sinks()
    const valid = [0, 1, 2, 3, 4, 5].map((i) => message('ops', i))
    const badInstance = {
      ...message('ops', 6),
      event: { id: 'ops-bad', model: 'stream-model', instance: { ...rows[6], departedAt: 'yesterday' } },
    }
    const noStream = { enqueuedAt: Date.now(), event: valid[0].event }
    const unknownModel = message('ops', 7, 'no-such-model')
    const first = await consume([...valid, badInstance, valid[0], noStream, unknownModel], s.env)
    expect(first.retryMessages).toEqual([])
    expect(first.explicitAcks).toHaveLength(10)

    // the queue redelivers part of the batch (a consumer crash before its acks landed), plus one new event
    const second = await consume([valid[1], valid[2], valid[0], message('ops', 6)], s.env, 2)
    expect(second.retryMessages).toEqual([])
    expect(second.explicitAcks).toHaveLength(4)

    const ids = s.results.map((r) => r.id).sort()
    expect(ids).toEqual(['ops-0', 'ops-1', 'ops-2', 'ops-3', 'ops-4', 'ops-5', 'ops-6'])
    const expected = reference(model, rows.slice(0, 7))
    for (const r of s.results) {
      const i = Number(r.id.slice(4))
      expect(r.probability).toBeCloseTo(expected[i], 5)
      expect(r).toMatchObject({ stream: 'ops', predictionId: `ops:${r.id}`, model: { name: 'stream-model', version: 1 } })
    }
    expect(s.dead.map((d) => [d.reason, d.field]).sort()).toEqual([
      ['invalid_event', 'event.instance.departedAt'],
      ['invalid_message', 'stream'],
      ['model_not_found', 'event.model'],
    ])
    // monitoring counts what was scored, once each
    expect(await waitFor(async () => ((await scoredCount('ops')) >= 7 ? scoredCount('ops') : undefined))).toBe(7)
  })

  it('resends a stored result, without scoring again, when the sink failed the first time', async () => {
    // nothing listens on port 9: every webhook attempt fails, so the messages go back to the queue
    const failing = sinks({ STREAM_SINKS: 'webhook', STREAM_WEBHOOK_URL: 'http://127.0.0.1:9/hook', STREAM_WEBHOOK_SECRET: 's3cret' })
    const batch = [0, 1, 2].map((i) => message('retry', i))
    const first = await consume(batch, failing.env)
    expect(first.retryMessages.map((m) => m.msgId).sort()).toEqual(['m-1-0', 'm-1-1', 'm-1-2'])
    const stored = await db.select().from(streamEvents).where(eq(streamEvents.stream, 'retry'))
    expect(stored.map((r) => r.deliveredAt)).toEqual([null, null, null])
    await waitFor(async () => ((await scoredCount('retry')) >= 3 ? true : undefined))

    const working = sinks()
    const second = await consume(batch, working.env, 2)
    expect(second.retryMessages).toEqual([])
    expect(working.results.map((r) => [r.id, JSON.stringify(r)]).sort()).toEqual(stored.map((r) => [r.eventId, r.result]).sort())
    const delivered = await db.select().from(streamEvents).where(eq(streamEvents.stream, 'retry'))
    expect(delivered.every((r) => r.deliveredAt !== null)).toBe(true)
    await new Promise((r) => setTimeout(r, 500))
    expect(await scoredCount('retry')).toBe(3)
  })
})

describe('POST /v1/streams/{name}/events', () => {
  it('puts valid events on the departures queue and answers 202 with the count', async () => {
    const events = [0, 1].map((i) => message('http', i).event)
    const res = await postJson('/v1/streams/http/events', { events })
    expect(res.status).toBe(202)
    expect(await res.json()).toEqual({ stream: 'http', enqueued: 2, batches: 1 })
    // the local queue runs the consumer: the events are scored and stored once
    const stored = await waitFor(async () => {
      const r = await db.select().from(streamEvents).where(eq(streamEvents.stream, 'http'))
      return r.length === 2 && r.every((x) => x.deliveredAt !== null) ? r : undefined
    })
    expect(stored.map((r) => r.eventId).sort()).toEqual(['http-0', 'http-1'])
    // dated at the departure like an at-departure prediction, and labelled like one by its prediction id
    const [prediction] = await waitFor(async () => {
      const r = await db.select().from(predictions).where(eq(predictions.predictionId, 'http:http-0'))
      return r.length > 0 ? r : undefined
    })
    expect(prediction.hour).toBe(String(rows[0].departedAt).slice(0, 13))
    const label = await postJson('/v1/feedback', { predictionId: 'http:http-0', delay: 42 })
    expect(label.status).toBeLessThan(300)
  })

  it('refuses an invalid event naming its field', async () => {
    const res = await postJson('/v1/streams/http/events', {
      events: [{ id: 'x', model: 'stream-model', instance: { ...rows[0], distance: -1 } }],
    })
    expect(res.status).toBe(400)
    expect(((await res.json()) as { error: { field: string } }).error.field).toBe('events.0.instance.distance')
  })
})
