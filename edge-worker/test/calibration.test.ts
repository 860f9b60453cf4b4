import { createScheduledController, env, SELF } from 'cloudflare:test'
import type { PerformanceRecord, Timeseries } from '@tarmac/sdk/contracts/monitoring'
import { and, eq } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { database } from '../src/db/client.ts'
import { alerts } from '../src/db/schema.ts'
import worker from '../src/index.ts'
import type { AlertMessage } from '../src/monitoring/webhook.ts'
import { ADMIN, consumePredictions, KEY_A, makeModel, postJson, publish } from './fixtures.ts'

const db = database(env.DB)
const MODEL = 'calib-model'
const HOUR = 3_600_000
const DAY = 24 * HOUR
/** the predictions' day: they all fall in its noon hour, so in one 24-hour cron window */
const D = Date.UTC(2026, 1, 2)
const HOOK = 'https://hooks.test/calibration'
const received: AlertMessage[] = []
const cronEnv = { ...env, ALERT_WEBHOOK_URL: HOOK, ALERT_ECE_MIN_LABELS: '600', LABEL_MATURITY_DAYS: '7' }

/** 200 predictions at each of 0.15, 0.2 and 0.25: ECE bins [0.1, 0.2) (mean 0.15) and [0.2, 0.3) (mean 0.225) */
const GROUPS = [0.15, 0.2, 0.25]
const probabilities = GROUPS.flatMap((p) => Array.from({ length: 200 }, () => p))

/** Calibrated: 30, 40 and 50 of each 200 delayed, so each bin observes the rate it predicts. Off: every flight delayed. */
const outcomes = (calibrated: boolean) =>
  probabilities.map((p, i) => ({ predictionId: `cal-${i}`, delayed: !calibrated || i % 200 < Math.round(p * 200) }))

async function report(calibrated: boolean, correction: boolean): Promise<void> {
  const headers = correction ? { ...ADMIN, 'X-Tarmac-Correction': 'calibration test' } : KEY_A
  const all = outcomes(calibrated)
  for (let i = 0; i < all.length; i += 300)
    expect((await postJson('/v1/feedback/batch', { outcomes: all.slice(i, i + 300) }, headers)).status).toBe(202)
}

/** The hourly cron as it would run at `at`: the trailing pass, then the maturing windows. */
async function cronAt(at: number, vars: Partial<Record<keyof Env, string>> = {}): Promise<void> {
  await worker.scheduled(createScheduledController({ scheduledTime: new Date(at), cron: '0 * * * *' }), { ...cronEnv, ...vars } as Env)
}

async function get<T>(path: string): Promise<T> {
  const res = await SELF.fetch(`https://edge.test${path}`, { headers: KEY_A })
  expect(res.status).toBe(200)
  return res.json<T>()
}

/** The day's window as the performance route reports it, and its noon hour from the timeseries. */
async function figures() {
  const { windows } = await get<{ windows: PerformanceRecord[] }>(`/v1/monitoring/models/${MODEL}/performance`)
  const window = windows.find((w) => w.windowStart === new Date(D).toISOString() && w.windowEnd === new Date(D + DAY).toISOString())
  const range = new URLSearchParams({ from: new Date(D).toISOString(), to: new Date(D + DAY).toISOString() })
  const series = await get<Timeseries>(`/v1/monitoring/models/${MODEL}/timeseries?${range}`)
  return { window: window?.realized, hours: series.versions.flatMap((v) => v.hours.map((h) => ({ labels: h.labels, ece: h.ece }))) }
}

const calibrationAlerts = () =>
  db
    .select()
    .from(alerts)
    .where(and(eq(alerts.model, MODEL), eq(alerts.rule, 'calibration_error')))
const sent = () => received.filter((m) => m.tarmac.alert.model === MODEL && m.tarmac.alert.rule === 'calibration_error')

beforeAll(async () => {
  const realFetch = globalThis.fetch
  // the local receiver: webhook deliveries are captured, anything else goes out as usual
  vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
    const req = new Request(input, init)
    if (!req.url.startsWith(HOOK)) return realFetch(input, init)
    received.push(await req.json())
    return new Response(null, { status: 200 })
  })
  // no val_auc: realized_auc stays unknown, so only calibration can alert on these labels
  const model = await makeModel(MODEL, 1, 801)
  await publish({ ...model, manifest: { ...model.manifest, metrics: {} } })
  await consumePredictions(MODEL, probabilities, D + 12 * HOUR, 'cal', 51)
})
afterAll(() => vi.restoreAllMocks())

describe('calibration is watched', () => {
  it('gives a calibrated window and its hour an ECE of 0, and no alert', async () => {
    await report(true, false)
    await cronAt(D + DAY)
    const { window, hours } = await figures()
    expect(window?.labels).toBe(600)
    expect(window?.ece).toBeCloseTo(0, 12)
    // by hand: Σ p(1 − p) is 200 · 0.1275 = 25.5 in [0.1, 0.2) and 200 · 0.16 + 200 · 0.1875 = 69.5 in [0.2, 0.3), so
    // a calibrated model shows (√(2/π · 25.5) + √(2/π · 69.5)) / 600 ≈ 0.0178 on 600 labels from sampling alone
    expect(window?.eceNoiseFloor).toBeCloseTo(0.0178, 4)
    expect(hours).toHaveLength(1)
    expect(hours[0].labels).toBe(600)
    expect(hours[0].ece).toBeCloseTo(0, 12)
    expect(await calibrationAlerts()).toEqual([])
    expect(sent()).toEqual([])
  })

  it('fires calibration_error on a matured window whose flights were all delayed at p ≈ 0.2, with the webhook', async () => {
    await report(false, true)
    // by hand: every bin observes 1, so ECE = 1 − mean score = (200 · 0.85 + 400 · 0.775) / 600 = 0.8
    const before = await figures()
    expect(before.hours[0].ece).toBeCloseTo(0.8, 12) // the timeseries joins the labels as they are now
    expect(before.window?.ece).toBeCloseTo(0, 12) // a window's stored figures move on the next pass

    // one label short of the minimum: the window's figures are recomputed, but too few labels to judge
    await cronAt(D + 2 * DAY, { ALERT_ECE_MIN_LABELS: '601' })
    const { window } = await figures()
    expect(window?.ece).toBeCloseTo(0.8, 12)
    expect(window?.auc).toBeNull() // one class: no AUC, yet calibration is judged
    expect(await calibrationAlerts()).toEqual([])

    // this cron's trailing window holds no predictions of the model: the maturing pass judges the day
    await cronAt(D + 3 * DAY)
    const [alert, ...more] = await calibrationAlerts()
    expect(more).toEqual([])
    expect(alert).toMatchObject({
      status: 'firing',
      detail: {
        ece: expect.closeTo(0.8, 12),
        bound: 0.05,
        labels: 600,
        window: { from: new Date(D).toISOString(), to: new Date(D + DAY).toISOString() },
      },
    })
    expect(sent().map((m) => m.text)).toEqual(['[FIRING] calibration_error on calib-model v1: ECE 0.8 (bound 0.05) on 600 labels'])
    expect(sent()[0].tarmac).toMatchObject({ event: 'alert.fired', alert: { id: alert.id, status: 'firing' } })
  })

  it('resolves when calibration returns', async () => {
    await report(true, true)
    await cronAt(D + 4 * DAY)
    expect((await figures()).window?.ece).toBeCloseTo(0, 12)
    const [alert] = await calibrationAlerts()
    expect(alert).toMatchObject({ status: 'resolved', resolvedAt: expect.any(Number) })
    expect(sent().map((m) => m.text)).toEqual([
      '[FIRING] calibration_error on calib-model v1: ECE 0.8 (bound 0.05) on 600 labels',
      '[RESOLVED] calibration_error on calib-model v1: ECE 0 (bound 0.05) on 600 labels',
    ])
    expect(sent()[1].tarmac).toMatchObject({ event: 'alert.resolved', alert: { id: alert.id } })
  })
})
