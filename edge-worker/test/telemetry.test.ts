import { createExecutionContext, createMessageBatch, createScheduledController, env, getQueueResult, SELF } from 'cloudflare:test'
import { createProfiler } from '@tarmac/sdk/drift'
import { fromInstance } from '@tarmac/sdk/features'
import { and, eq, sql } from 'drizzle-orm'
import { beforeAll, describe, expect, it } from 'vitest'
import { database } from '../src/db/client.ts'
import { failures, heartbeats, predictions, profileCounts } from '../src/db/schema.ts'
import worker from '../src/index.ts'
import { predictionDataPoint } from '../src/telemetry/analytics.ts'
import { enqueue, type FailureEvent, type PredictionEvent, rawFeatures, type TelemetryMessage } from '../src/telemetry/events.ts'
import { edgeProfileSpec, LATENCY_FEATURE } from '../src/telemetry/profile.ts'
import { instances, type ModelFixture, makeModel, postJson, publish, reference, waitFor } from './fixtures.ts'

const db = database(env.DB)
let model: ModelFixture

beforeAll(async () => {
  model = await makeModel('telemetry-model', 1, 501)
  await publish(model)
  await publish(await makeModel('feedback-model', 1, 502))
})

function eventsFor(rows = instances(150, 11)): PredictionEvent[] {
  const probs = reference(model, rows)
  const at = Date.UTC(2026, 4, 1, 13, 20)
  return rows.map((row, i) => ({
    eventId: `evt-${i}`,
    predictionId: `pred-${i}`,
    role: 'served',
    source: 'edge',
    engine: 'ts',
    model: 'telemetry-model',
    version: 1,
    at,
    latencyMs: i % 40,
    probability: probs[i],
    features: rawFeatures(fromInstance(row)),
    keyHash: 'k',
  }))
}

async function deliver(events: TelemetryMessage[]) {
  const batch = createMessageBatch<TelemetryMessage>(
    'tarmac-telemetry',
    events.map((body, i) => ({ id: `msg-${i}`, timestamp: new Date(), attempts: 1, body })),
  )
  const ctx = createExecutionContext()
  await worker.queue(batch, env, ctx)
  return getQueueResult(batch, ctx)
}

describe('telemetry consumer', () => {
  it('aggregates a batch exactly once, on the reference profile bins, even when it is delivered twice', async () => {
    const rows0 = instances(150, 11)
    const flights = rows0.map(fromInstance)
    const events = eventsFor(rows0)
    const first = await deliver(events)
    expect(first.retryBatch.retry).toBe(false)
    // redelivery, with an in-batch duplicate on top
    await deliver([...events, events[0]])

    const [{ n }] = await db.select({ n: sql<number>`count(*)` }).from(predictions).where(eq(predictions.model, 'telemetry-model'))
    expect(n).toBe(150)
    const rows = await db
      .select()
      .from(profileCounts)
      .where(and(eq(profileCounts.model, 'telemetry-model'), eq(profileCounts.hour, '2026-05-01T13')))
    const stored = (feature: string, bins: number) => {
      const out = new Array<number>(bins).fill(0)
      for (const r of rows) if (r.feature === feature) out[r.bin] = r.count
      return out
    }
    expect(stored('rows', 1)).toEqual([150])
    // exactly the counts the SDK profiler gives for the same flights, scores and latencies
    const spec = edgeProfileSpec(model.manifest.referenceProfile)
    const profiler = createProfiler(spec)
    events.forEach((e, i) => {
      const raw = { ...rawFeatures(flights[i]), [LATENCY_FEATURE]: e.latencyMs }
      for (const feature of Object.keys(spec.features)) profiler.add(feature, raw[feature as keyof typeof raw])
      profiler.addPrediction(e.probability)
    })
    const expected = profiler.profile()
    expect(Object.keys(expected.features).sort()).toEqual([
      'day_of_week',
      'departure_hour',
      'destination',
      'distance',
      'latency_ms',
      'origin',
    ])
    for (const [feature, h] of Object.entries(expected.features)) expect(stored(feature, h.counts.length), feature).toEqual(h.counts)
    expect(stored('prediction', expected.prediction.counts.length)).toEqual(expected.prediction.counts)
  })

  it('counts the rows of each failure event once, under errors, beside the rows scored', async () => {
    const at = Date.UTC(2026, 4, 2, 9, 5)
    const failure = (eventId: string, rows: number): FailureEvent => ({
      kind: 'failure',
      eventId,
      role: 'served',
      model: 'telemetry-model',
      version: 1,
      at,
      rows,
      code: 'inference_failed',
    })
    const scored = eventsFor(instances(5, 12)).map((e, i) => ({ ...e, eventId: `mixed-${i}`, at }))
    await deliver([failure('fail-1', 7), ...scored, failure('fail-2', 3)])
    await deliver([failure('fail-1', 7)])
    const counts = await db
      .select({ feature: profileCounts.feature, count: profileCounts.count })
      .from(profileCounts)
      .where(and(eq(profileCounts.model, 'telemetry-model'), eq(profileCounts.hour, '2026-05-02T09'), eq(profileCounts.bin, 0)))
    expect(Object.fromEntries(counts.filter((c) => ['rows', 'errors'].includes(c.feature)).map((c) => [c.feature, c.count]))).toEqual({
      rows: 5,
      errors: 10,
    })
    const stored = await db.select().from(failures).where(eq(failures.hour, '2026-05-02T09'))
    expect(stored.map((f) => [f.eventId, f.rows, f.code]).sort()).toEqual([
      ['fail-1', 7, 'inference_failed'],
      ['fail-2', 3, 'inference_failed'],
    ])
  })

  it('drops malformed messages instead of retrying them forever', async () => {
    const result = await deliver([{ nonsense: true } as unknown as PredictionEvent])
    expect(result.retryBatch.retry).toBe(false)
  })

  it('sends at most 100 messages per sendBatch call', async () => {
    const calls: number[] = []
    const queue = { sendBatch: async (msgs: unknown[]) => void calls.push(msgs.length) } as unknown as Queue
    await enqueue(
      queue,
      Array.from({ length: 250 }, () => eventsFor(instances(1, 1))[0]),
    )
    expect(calls).toEqual([100, 100, 50])
  })

  it('sends the events of requests arriving together in shared sendBatch calls of at most 100; a request alone sends its own', async () => {
    const calls: unknown[][] = []
    const queue = { sendBatch: async (msgs: unknown[]) => void calls.push(msgs) } as unknown as Queue
    const events = eventsFor(instances(150, 4))
    await enqueue(queue, events.slice(0, 1))
    expect(calls.map((m) => m.length)).toEqual([1])
    // three requests within the wait: 150 events in two calls, not one call each (or four)
    await Promise.all([enqueue(queue, events.slice(0, 50)), enqueue(queue, events.slice(50, 60)), enqueue(queue, events.slice(60))])
    expect(calls.map((m) => m.length)).toEqual([1, 100, 50])
    expect(calls.slice(1).flat()).toEqual(events.map((body) => ({ body, contentType: 'json' })))
  })

  it('logs a failed send once, with the number of events it carried, and resolves, so a prediction never fails on telemetry', async () => {
    const queue = {
      sendBatch: async () => {
        throw new Error('queue full')
      },
    } as unknown as Queue
    const logged: string[] = []
    const original = console.error
    console.error = (line: string) => void logged.push(line)
    try {
      const events = eventsFor(instances(2, 5))
      await expect(Promise.all([enqueue(queue, events.slice(0, 1)), enqueue(queue, events.slice(1))])).resolves.toBeDefined()
    } finally {
      console.error = original
    }
    expect(logged.map((l) => JSON.parse(l))).toEqual([{ event: 'telemetry_enqueue_failed', count: 2, message: 'queue full' }])
  })

  it('builds one Analytics Engine data point per prediction', () => {
    const e = eventsFor(instances(1, 2))[0]
    const point = predictionDataPoint(e)
    expect(point.indexes).toEqual(['telemetry-model'])
    expect(point.blobs).toEqual(['telemetry-model', '1', 'served', 'edge', 'ts', e.features.origin, e.features.destination])
    expect(point.doubles).toEqual([e.probability, e.latencyMs, e.features.distance, e.features.departure_hour])
  })
})

describe('feedback and browser telemetry', () => {
  it('joins feedback to the prediction the edge served (queue → D1 → join)', async () => {
    const res = await postJson('/v1/models/feedback-model/predict', { instances: instances(1, 12) })
    const { predictions: served } = await res.json<{ predictions: { id: string; probability: number }[] }>()
    const id = served[0].id
    await waitFor(async () => (await db.select().from(predictions).where(eq(predictions.predictionId, id)))[0])
    const fb = await postJson('/v1/feedback', { predictionId: id, delay: 42 })
    expect(fb.status).toBe(202)
    expect(await fb.json()).toEqual({
      predictionId: id,
      delayed: true,
      matched: true,
      prediction: { model: 'feedback-model', version: 1, probability: expect.closeTo(served[0].probability, 6) },
    })
    const late = await postJson('/v1/feedback', { predictionId: 'not-yet-known', delayed: false })
    expect(await late.json()).toMatchObject({ matched: false, delayed: false, prediction: null })
  })

  it('takes on-device predictions into the same tables, tagged by backend', async () => {
    const rows = instances(2, 13)
    const res = await postJson('/v1/telemetry', {
      predictions: rows.map((instance, i) => ({
        id: `browser-pred-${i}`,
        model: { name: 'telemetry-model', version: 1 },
        backend: 'ort-webgpu',
        probability: 0.25,
        latencyMs: 3,
        instance,
      })),
    })
    expect(res.status).toBe(202)
    expect(await res.json()).toEqual({ accepted: 2 })
    const stored = await waitFor(async () => {
      const found = await db.select().from(predictions).where(eq(predictions.source, 'browser'))
      return found.length === 2 ? found : undefined
    })
    expect(stored.map((p) => p.engine)).toEqual(['ort-webgpu', 'ort-webgpu'])
  })

  it('allows CORS on /v1 for configured origins only', async () => {
    const preflight = (origin: string, path = '/v1/models/telemetry-model/predict') =>
      SELF.fetch(`https://edge.test${path}`, { method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': 'POST' } })
    expect((await preflight('http://localhost:5173')).headers.get('Access-Control-Allow-Origin')).toBe('http://localhost:5173')
    expect((await preflight('https://evil.example')).headers.get('Access-Control-Allow-Origin')).toBeNull()
    expect((await preflight('http://localhost:5173', '/admin/models/x/aliases')).headers.get('Access-Control-Allow-Origin')).toBeNull()
  })
})

describe('scheduled', () => {
  it('records a heartbeat and does not throw', async () => {
    const scheduledTime = Date.UTC(2026, 4, 1, 14)
    await worker.scheduled(createScheduledController({ cron: '0 * * * *', scheduledTime }), env)
    const rows = await db.select().from(heartbeats).where(eq(heartbeats.scheduledAt, scheduledTime))
    expect(rows).toHaveLength(1)
  })
})
