import { createExecutionContext, createMessageBatch, createScheduledController, env, getQueueResult } from 'cloudflare:test'
import { fromInstance } from '@tarmac/sdk/features'
import { and, eq } from 'drizzle-orm'
import { beforeAll, describe, expect, it } from 'vitest'
import { sha256Hex } from '../src/auth/hash.ts'
import { database } from '../src/db/client.ts'
import { alerts, feedback, performance, predictions } from '../src/db/schema.ts'
import worker from '../src/index.ts'
import { maturingWindows } from '../src/monitoring/maturing.ts'
import { instanceOf, type PredictionEvent, rawFeatures } from '../src/telemetry/events.ts'
import { instances, makeModel, postJson, publish } from './fixtures.ts'

const db = database(env.DB)
const MODEL = 'mature-model'
const HOUR = 3_600_000
const DAY = 24 * HOUR
/** the predictions' day: noon, so one 24-hour cron window holds them all */
const D = Date.UTC(2026, 4, 10)
const cronEnv = { ...env, ALERT_MIN_LABELS: '100', ALERT_WEBHOOK_URL: '', LABEL_MATURITY_DAYS: '7' }
const probabilities = Array.from({ length: 300 }, (_, i) => (i + 0.5) / 300)

beforeAll(async () => {
  const model = await makeModel(MODEL, 1, 701)
  await publish({ ...model, manifest: { ...model.manifest, metrics: { val_auc: 0.8 } } })
  const keyHash = (await sha256Hex('test-key-a')).slice(0, 32)
  const events: PredictionEvent[] = instances(300, 41).map((row, i) => ({
    eventId: `mat-${i}`,
    predictionId: `mat-${i}`,
    role: 'served',
    source: 'edge',
    engine: 'ts',
    model: MODEL,
    version: 1,
    at: D + 12 * HOUR + i * 1000,
    latencyMs: 2,
    probability: probabilities[i],
    features: rawFeatures(fromInstance(row)),
    keyHash,
    instance: instanceOf(fromInstance(row)),
  }))
  for (let i = 0; i < events.length; i += 100) {
    const batch = createMessageBatch<PredictionEvent>(
      'tarmac-telemetry',
      events.slice(i, i + 100).map((body, j) => ({ id: `mm-${i + j}`, timestamp: new Date(), attempts: 1, body })),
    )
    const ctx = createExecutionContext()
    await worker.queue(batch, env, ctx)
    await getQueueResult(batch, ctx)
  }
})

/** The hourly cron as it would run at `at` (wall clock advanced by the test). */
async function cronAt(at: number) {
  await worker.scheduled(createScheduledController({ scheduledTime: new Date(at), cron: '0 * * * *' }), cronEnv)
}

async function realizedAuc() {
  const alert = await db
    .select()
    .from(alerts)
    .where(and(eq(alerts.model, MODEL), eq(alerts.rule, 'realized_auc')))
  const [row] = await db
    .select()
    .from(performance)
    .where(and(eq(performance.model, MODEL), eq(performance.windowStart, D), eq(performance.windowEnd, D + DAY)))
  return { alert: alert.map((a) => a.status), labels: row?.labels, auc: row?.realizedAuc }
}

/** Outcomes that rank the predictions backwards (flip) or correctly. */
const outcomes = (flip: boolean) => probabilities.map((p, i) => ({ predictionId: `mat-${i}`, delayed: p > 0.7 !== flip }))
const correct = (flip: boolean) =>
  postJson(
    '/v1/feedback/batch',
    { outcomes: outcomes(flip) },
    { Authorization: 'Bearer test-key-a', 'X-Tarmac-Admin-Key': 'test-admin-key', 'X-Tarmac-Correction': 'test' },
  )

describe('labels that mature', () => {
  it('lists the windows still maturing at a time, newest first', () => {
    const ws = maturingWindows(D + 4 * DAY + 30 * 60_000, 24, 7)
    expect(ws).toHaveLength(7)
    expect(ws[0]).toEqual({ start: D + 3 * DAY, end: D + 4 * DAY })
    expect(ws.at(-1)).toEqual({ start: D - 3 * DAY, end: D - 2 * DAY })
    expect(maturingWindows(D, 24, 0)).toEqual([])
  })

  it('judges a window again when its labels arrive days later, and no more once it has matured', async () => {
    // the day after: the window is evaluated, but no outcome has come back yet
    await cronAt(D + DAY)
    expect(await realizedAuc()).toEqual({ alert: [], labels: 0, auc: null })

    // three days after the predictions their outcomes arrive (ranked backwards): the next cron fires
    expect((await postJson('/v1/feedback/batch', { outcomes: outcomes(true) })).status).toBe(202)
    await cronAt(D + 4 * DAY)
    const fired = await realizedAuc()
    expect(fired).toMatchObject({ alert: ['firing'], labels: 300 })
    expect(fired.auc).toBeLessThan(0.2)

    // corrected outcomes a day later resolve it, still inside the 7-day maturity
    expect((await correct(false)).status).toBe(202)
    await cronAt(D + 5 * DAY)
    const resolved = await realizedAuc()
    expect(resolved).toMatchObject({ alert: ['resolved'], labels: 300 })
    expect(resolved.auc).toBeGreaterThan(0.9)

    // past maturity the window is final: a late change moves neither its figure nor the alert
    expect((await correct(true)).status).toBe(202)
    await cronAt(D + 9 * DAY)
    expect(await realizedAuc()).toEqual(resolved)
  })

  it('forgets the per-prediction rows and labels after CAPTURE_RETENTION_DAYS, keeping the window figures', async () => {
    const rows = async () => (await db.select().from(predictions).where(eq(predictions.model, MODEL))).length
    expect(await rows()).toBe(300)
    await cronAt(D + 89 * DAY)
    expect(await rows()).toBe(300)
    await cronAt(D + 91 * DAY)
    expect(await rows()).toBe(0)
    expect(await db.select().from(feedback).where(eq(feedback.predictionId, 'mat-1'))).toEqual([])
    expect((await realizedAuc()).labels).toBe(300)
  })
})
