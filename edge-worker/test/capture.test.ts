import { createExecutionContext, createMessageBatch, env, getQueueResult, SELF } from 'cloudflare:test'
import { type CapturePage, capturePageSchema } from '@tarmac/sdk/contracts/capture'
import { fromInstance } from '@tarmac/sdk/features'
import { eq, sql } from 'drizzle-orm'
import { beforeAll, describe, expect, it } from 'vitest'
import { sha256Hex } from '../src/auth/hash.ts'
import { readCapture } from '../src/capture/store.ts'
import { database } from '../src/db/client.ts'
import { feedbackAudit, predictions, profileCounts } from '../src/db/schema.ts'
import worker from '../src/index.ts'
import { loadLabelled } from '../src/monitoring/labels.ts'
import { instanceOf, type PredictionEvent, rawFeatures } from '../src/telemetry/events.ts'
import { ADMIN, instances, KEY_A, KEY_B, makeModel, postJson, publish } from './fixtures.ts'

const db = database(env.DB)
const MODEL = 'capture-model'
const HOUR = 3_600_000
const T0 = Date.UTC(2026, 4, 3, 10, 0)
let keyA: string

beforeAll(async () => {
  await publish(await makeModel(MODEL, 1, 601))
  keyA = (await sha256Hex('test-key-a')).slice(0, 32)
})

function events(n: number, prefix: string, keyHash: string): PredictionEvent[] {
  return instances(n, 21).map((row, i) => ({
    eventId: `${prefix}-${i}`,
    predictionId: `${prefix}-${i}`,
    role: 'served',
    source: 'edge',
    engine: 'ts',
    model: MODEL,
    version: 1,
    // two event hours
    at: T0 + (i % 2) * HOUR + i,
    latencyMs: 3,
    probability: (i % 10) / 10,
    features: rawFeatures(fromInstance(row)),
    keyHash,
    instance: instanceOf(fromInstance(row)),
  }))
}

async function deliver(batch: PredictionEvent[]) {
  const messages = createMessageBatch<PredictionEvent>(
    'tarmac-telemetry',
    batch.map((body, i) => ({ id: `m-${i}`, timestamp: new Date(), attempts: 1, body })),
  )
  const ctx = createExecutionContext()
  await worker.queue(messages, env, ctx)
  return getQueueResult(messages, ctx)
}

async function pullAll(from: number, to: number, limit: number): Promise<{ pages: CapturePage[]; rows: CapturePage['rows'] }> {
  const pages: CapturePage[] = []
  let cursor: string | null = null
  do {
    const q = new URLSearchParams({ from: new Date(from).toISOString(), to: new Date(to).toISOString(), limit: String(limit) })
    if (cursor) q.set('cursor', cursor)
    const res = await SELF.fetch(`https://edge.test/admin/capture/${MODEL}?${q}`, { headers: ADMIN })
    expect(res.status).toBe(200)
    const page = capturePageSchema.parse(await res.json())
    pages.push(page)
    cursor = page.cursor
  } while (cursor)
  return { pages, rows: pages.flatMap((p) => p.rows) }
}

/** Every figure monitoring reads for the model: profile counts and the labelled (joined) predictions. */
async function figures() {
  const counts = await db
    .select({ n: sql<number>`sum(${profileCounts.count})` })
    .from(profileCounts)
    .where(eq(profileCounts.model, MODEL))
  const labelled = await loadLabelled(db, MODEL, { start: T0 - 48 * HOUR, end: T0 + 48 * HOUR })
  return { counts, labelled: labelled.map((l) => [l.probability, l.delayed]).sort() }
}

describe('inference capture', () => {
  it('writes sampled rows as gzip JSON Lines per model and hour, once when a batch is redelivered, and pulls labelled rows once each', async () => {
    const batch = events(60, 'cap', keyA)
    await deliver(batch)
    await deliver(batch)
    const listed = await env.MODELS.list({ prefix: `capture/${MODEL}/` })
    expect(listed.objects.map((o) => o.key.split('/').slice(2, 4).join('/'))).toEqual(['2026-05-03/10', '2026-05-03/11'])
    const objects = await Promise.all(listed.objects.map((o) => readCapture(env.MODELS, o.key)))
    expect(objects.reduce((n, o) => n + (o?.rows.length ?? 0), 0)).toBe(60)
    // no key material in what the capture keeps
    expect(JSON.stringify(objects)).not.toContain(keyA)
    const stored = await db.select({ capture: predictions.capture }).from(predictions).where(eq(predictions.model, MODEL))
    expect(stored.filter((p) => p.capture !== null)).toHaveLength(60)

    // 40 labelled, 10 of them sent twice (a client retry), one late batch after the first pull
    const label = (i: number) => ({ predictionId: `cap-${i}`, delay: i % 3 === 0 ? 40 : 0 })
    const first = await postJson('/v1/feedback/batch', { outcomes: Array.from({ length: 30 }, (_, i) => label(i)) })
    expect(first.status).toBe(202)
    expect((await postJson('/v1/feedback/batch', { outcomes: Array.from({ length: 10 }, (_, i) => label(i)) })).status).toBe(202)
    const before = await pullAll(T0, T0 + 2 * HOUR, 20)
    expect(before.rows).toHaveLength(30)
    expect((await postJson('/v1/feedback/batch', { outcomes: Array.from({ length: 10 }, (_, i) => label(30 + i)) })).status).toBe(202)
    const { pages, rows } = await pullAll(T0, T0 + 2 * HOUR, 20)
    expect(rows).toHaveLength(40)
    expect(new Set(rows.map((r) => r.predictionId)).size).toBe(40)
    expect(pages.reduce((n, p) => n + p.captured, 0)).toBe(60)
    expect(pages[0].sampleRates).toEqual([1])
    const byId = new Map(rows.map((r) => [r.predictionId, r]))
    expect(byId.get('cap-3')).toMatchObject({ delayed: true, delay: 40, instance: batch[3].instance, probability: batch[3].probability })
    // the window is of event time: the second hour alone
    expect((await pullAll(T0 + HOUR, T0 + 2 * HOUR, 100)).rows.every((r) => r.at >= T0 + HOUR)).toBe(true)
  })

  it('refuses a pull without the admin key', async () => {
    const res = await SELF.fetch(`https://edge.test/admin/capture/${MODEL}?from=2026-05-03T00:00:00Z&to=2026-05-04T00:00:00Z`, {
      headers: KEY_A,
    })
    expect(res.status).toBe(401)
  })
})

describe('poisoning what comes back', () => {
  it('a foreign key, a second label and out-of-window or unknown telemetry are refused and move no figure', async () => {
    await deliver(events(20, 'own', keyA))
    expect((await postJson('/v1/feedback', { predictionId: 'own-1', delay: 0 })).status).toBe(202)
    const baseline = await figures()

    const foreign = await postJson('/v1/feedback', { predictionId: 'own-2', delay: 90 }, KEY_B)
    expect(foreign.status).toBe(403)
    expect(await foreign.json()).toMatchObject({ error: { code: 'forbidden', field: 'predictionId' } })
    const second = await postJson('/v1/feedback/batch', {
      outcomes: [
        { predictionId: 'own-3', delay: 0 },
        { predictionId: 'own-1', delay: 90 },
      ],
    })
    expect(second.status).toBe(409)
    expect(await second.json()).toMatchObject({ error: { code: 'label_exists', field: 'outcomes.1.predictionId' } })
    // the whole batch is refused: own-3 was not stored either
    expect((await postJson('/v1/feedback', { predictionId: 'own-3', delay: 90 })).status).toBe(202)
    expect((await postJson('/v1/feedback', { predictionId: 'own-3', delay: 0 })).status).toBe(409)
    const afterLabels = await figures()
    expect(afterLabels.counts).toEqual(baseline.counts)
    expect(afterLabels.labelled).toHaveLength(baseline.labelled.length + 1)

    const row = instances(1, 5)[0]
    const report = (at: number, version = 1, probability = 0.4) => ({
      predictions: [
        { id: `b-${at}-${version}`, model: { name: MODEL, version }, backend: 'ts', probability, latencyMs: 2, at, instance: row },
      ],
    })
    const backdated = await postJson('/v1/telemetry', report(Date.now() - 30 * 24 * HOUR))
    expect(backdated.status).toBe(422)
    expect(await backdated.json()).toMatchObject({ error: { code: 'out_of_window', field: 'predictions.0.at' } })
    expect((await postJson('/v1/telemetry', report(Date.now() + 2 * HOUR))).status).toBe(422)
    const unknown = await postJson('/v1/telemetry', report(Date.now(), 7))
    expect(await unknown.json()).toMatchObject({ error: { code: 'unknown_version', field: 'predictions.0.model.version' } })
    expect((await postJson('/v1/telemetry', report(Date.now(), 1, 1.5))).status).toBe(400)
    await new Promise((r) => setTimeout(r, 1500))
    expect(await figures()).toEqual(afterLabels)
    // an admin backfill may date telemetry in the past
    expect((await postJson('/v1/telemetry', report(Date.now() - 30 * 24 * HOUR), ADMIN)).status).toBe(202)
  })

  it('the admin corrects a label explicitly, with an audit row', async () => {
    const wrongAdmin = await postJson('/v1/feedback', { predictionId: 'own-1', delay: 90 }, { ...KEY_A, 'X-Tarmac-Correction': 'typo' })
    expect(wrongAdmin.status).toBe(401)
    expect(await wrongAdmin.json()).toMatchObject({ error: { code: 'unauthorized', field: 'X-Tarmac-Correction' } })
    // the admin's own key labels only its own predictions: without the correction header it is another caller
    expect((await postJson('/v1/feedback', { predictionId: 'own-1', delay: 90 }, ADMIN)).status).toBe(403)
    const corrected = await postJson(
      '/v1/feedback',
      { predictionId: 'own-1', delay: 90 },
      { ...ADMIN, 'X-Tarmac-Correction': 'airline data fixed' },
    )
    expect(corrected.status).toBe(202)
    const audit = await db.select().from(feedbackAudit).where(eq(feedbackAudit.predictionId, 'own-1'))
    expect(audit).toMatchObject([{ previousDelayed: false, previousDelay: 0, delayed: true, delay: 90, reason: 'airline data fixed' }])
    const labelled = await loadLabelled(db, MODEL, { start: T0 - 48 * HOUR, end: T0 + 48 * HOUR })
    expect(labelled.filter((l) => l.delayed).length).toBeGreaterThan(0)
  })

  it('rate-limits failed authentication by address', async () => {
    const statuses: number[] = []
    // the limiter counts in fixed 60 s windows (limit 300 in vitest.config.ts): a run slow enough to straddle a
    // window boundary needs more than 300 tries, so the bound is three windows' worth
    for (let i = 0; i < 900 && !statuses.includes(429); i++) {
      const res = await postJson(
        '/v1/feedback',
        { predictionId: 'x', delay: 0 },
        { Authorization: `Bearer wrong-${i}`, 'CF-Connecting-IP': '203.0.113.9' },
      )
      statuses.push(res.status)
    }
    expect(statuses[0]).toBe(401)
    expect(statuses.at(-1)).toBe(429)
  })
})
