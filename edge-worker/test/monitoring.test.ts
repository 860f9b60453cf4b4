import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from 'cloudflare:test'
import type { AlertRecord, MonitoringRun, Timeseries } from '@tarmac/sdk/contracts/monitoring'
import type { FlightInstance } from '@tarmac/sdk/features'
import { and, eq, sql } from 'drizzle-orm'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { database } from '../src/db/client.ts'
import { alerts, driftReports, failures, performance as performanceWindows, predictions } from '../src/db/schema.ts'
import worker from '../src/index.ts'
import type { AlertMessage } from '../src/monitoring/webhook.ts'
import { ADMIN, instances, KEY_A, makeModel, publish } from './fixtures.ts'

const db = database(env.DB)
const HOOK = 'https://hooks.test/tarmac'
/** what the local receiver got, and what it answers */
const hook = { status: 200, received: [] as AlertMessage[] }
// the webhook on, labels judged from 100, a latency budget cold starts cannot break, no rate limit (hundreds of feedback calls)
const base = {
  ...env,
  ALERT_WEBHOOK_URL: HOOK,
  ALERT_MIN_LABELS: '100',
  ALERT_P99_LATENCY_MS: '60000',
  RATE_LIMITER: { limit: async () => ({ success: true }) },
}

async function call(path: string, init: RequestInit = {}, vars: Partial<Record<keyof Env, string>> = {}): Promise<Response> {
  const ctx = createExecutionContext()
  const res = await worker.fetch(new Request(`https://edge.test${path}`, init), { ...base, ...vars } as Env, ctx)
  await waitOnExecutionContext(ctx)
  return res
}
const post = (path: string, body: unknown, headers: Record<string, string> = KEY_A, vars = {}) =>
  call(path, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) }, vars)

/** This hour ± 1: where predictions sent now land (aggregates key by prediction time). */
const window = () => ({ from: new Date(Date.now() - 3_600_000).toISOString(), to: new Date(Date.now() + 3_600_000).toISOString() })
async function run(vars = {}): Promise<MonitoringRun> {
  const res = await post('/admin/monitoring/run', window(), ADMIN, vars)
  expect(res.status).toBe(200)
  return res.json()
}

/** Predicts through the HTTP route and waits until the queue consumer has stored every event. */
async function predict(model: string, rows: FlightInstance[]): Promise<{ id: string; probability: number }[]> {
  const out: { id: string; probability: number }[] = []
  for (let i = 0; i < rows.length; i += 500) {
    const res = await post(`/v1/models/${model}/predict`, { instances: rows.slice(i, i + 500) })
    expect(res.status).toBe(200)
    out.push(...(await res.json<{ predictions: { id: string; probability: number }[] }>()).predictions)
  }
  for (const until = Date.now() + 30_000; ; ) {
    const [{ n }] = await db.select({ n: sql<number>`count(*)` }).from(predictions).where(eq(predictions.model, model))
    if (n >= rows.length) return out
    if (Date.now() > until) throw new Error(`only ${n} of ${rows.length} predictions of ${model} were consumed`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

const drifted = (r: MonitoringRun, model: string) =>
  r.evaluations
    .find((e) => e.model === model)
    ?.drift?.report.features.filter((f) => f.drifted)
    .map((f) => f.feature)
    .sort()
const hooksFor = (model: string, rule: string) =>
  hook.received.filter((m) => m.tarmac.alert.model === model && m.tarmac.alert.rule === rule)

let airport = ''
beforeAll(async () => {
  const realFetch = globalThis.fetch
  // the local receiver: webhook deliveries are captured, anything else goes out as usual
  vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
    const req = new Request(input, init)
    if (!req.url.startsWith(HOOK)) return realFetch(input, init)
    hook.received.push(await req.json())
    return new Response(null, { status: hook.status })
  })
  for (const [name, seed] of [
    ['mon-steady', 601],
    ['mon-distance', 602],
    ['mon-airport', 603],
  ] as const)
    await publish(await makeModel(name, 1, seed))
  const labelled = await makeModel('mon-labels', 1, 604)
  await publish({ ...labelled, manifest: { ...labelled.manifest, metrics: { val_auc: 0.8 } } })
  airport =
    labelled.manifest.referenceProfile.features.origin.kind === 'categorical'
      ? labelled.manifest.referenceProfile.features.origin.categories[0]
      : ''

  const rows = (seed: number) => instances(1500, seed)
  await predict('mon-steady', rows(21))
  await predict(
    'mon-distance',
    rows(22).map((r) => ({ ...r, distance: r.distance * 1.5 })),
  )
  const swap = (code: string) => (code === airport ? 'ZZZ' : code)
  await predict(
    'mon-airport',
    rows(23).map((r) => ({ ...r, origin: swap(r.origin), destination: swap(r.destination) })),
  )
})
afterAll(() => vi.restoreAllMocks())

describe('monitoring pass', () => {
  it('flags nothing on a same-distribution replay, only distance when distances grow ×1.5, only the airports when one is replaced', async () => {
    const r = await run()
    expect(drifted(r, 'mon-steady')).toEqual([])
    expect(drifted(r, 'mon-distance')).toEqual(['distance'])
    expect(drifted(r, 'mon-airport')).toEqual(['destination', 'origin'])
    const steady = r.evaluations.find((e) => e.model === 'mon-steady')
    expect(steady?.drift?.report.currentCount).toBe(1500)
    expect(steady?.performance).toMatchObject({ count: 1500, realized: { labels: 0, auc: null }, errorRate: 0 })
    expect(steady?.performance.estimated.auc).toBeGreaterThan(0.5)
    expect(steady?.performance.latencyMs.p50).not.toBeNull()
  })

  it('stores one report per (model, version, window), however often the window is re-run', async () => {
    await run()
    await run()
    const rows = await db.select().from(driftReports).where(eq(driftReports.model, 'mon-steady'))
    expect(rows).toHaveLength(1)
    const res = await call('/v1/monitoring/models/mon-distance/drift', { headers: KEY_A })
    const { reports } = await res.json<{ reports: MonitoringRun['evaluations'][number]['drift'][] }>()
    expect(reports[0]?.report.features.find((f) => f.feature === 'distance')).toMatchObject({ drifted: true, method: 'wasserstein' })
  })

  it('runs from the cron over the trailing DRIFT_WINDOW_HOURS', async () => {
    const scheduledTime = Math.ceil(Date.now() / 3_600_000) * 3_600_000
    await worker.scheduled(createScheduledController({ cron: '0 * * * *', scheduledTime }), { ...base, DRIFT_WINDOW_HOURS: '3' } as Env)
    const rows = await db
      .select()
      .from(driftReports)
      .where(and(eq(driftReports.model, 'mon-airport'), eq(driftReports.windowEnd, scheduledTime)))
    expect(rows.map((r) => r.windowStart)).toEqual([scheduledTime - 3 * 3_600_000])
  })
})

describe('alerts', () => {
  it('fires the performance alert on flipped labels, once, and resolves it after good labels', async () => {
    const served = await predict('mon-labels', instances(300, 24))
    const cut = [...served].sort((a, b) => b.probability - a.probability)[90].probability
    // the second pass rewrites stored labels: only an admin correction may
    const correction = { ...ADMIN, 'X-Tarmac-Correction': 'outcomes re-sourced' }
    const label = async (flip: boolean) => {
      for (let i = 0; i < served.length; i += 30) {
        const batch = served
          .slice(i, i + 30)
          .map((p) => post('/v1/feedback', { predictionId: p.id, delayed: p.probability > cut !== flip }, flip ? KEY_A : correction))
        for (const res of await Promise.all(batch)) expect(res.status).toBe(202)
      }
    }
    await label(true)
    // a dry run evaluates the same window and leaves no trace: no stored window, no alert, no message
    const dry = await post('/admin/monitoring/run', { ...window(), dryRun: true }, ADMIN)
    expect(dry.status).toBe(200)
    const evaluated = await dry.json<MonitoringRun>()
    expect(evaluated.evaluations.find((e) => e.model === 'mon-labels')?.performance.realized).toMatchObject({ labels: 300 })
    expect(evaluated.changes).toEqual([])
    expect(hooksFor('mon-labels', 'realized_auc')).toHaveLength(0)
    expect(await db.select().from(performanceWindows).where(eq(performanceWindows.model, 'mon-labels'))).toEqual([])
    expect(await db.select().from(alerts).where(eq(alerts.model, 'mon-labels'))).toEqual([])
    const fired = await run()
    const perf = fired.evaluations.find((e) => e.model === 'mon-labels')?.performance
    expect(perf?.realized.labels).toBe(300)
    expect(perf?.realized.auc).toBeLessThan(0.2)
    expect(fired.changes.filter((c) => c.alert.model === 'mon-labels' && c.alert.rule === 'realized_auc')).toMatchObject([
      { kind: 'fired', alert: { status: 'firing', detail: { baselineAuc: 0.8, labels: 300 } }, delivery: { ok: true, attempts: 1 } },
    ])
    const [message] = hooksFor('mon-labels', 'realized_auc')
    expect(message.text).toMatch(/^\[FIRING\] realized_auc on mon-labels v1: realized AUC [\d.]+ vs val_auc 0\.8 − 0\.03 on 300 labels$/)
    expect(message.blocks[0]).toMatchObject({ type: 'section', text: { type: 'mrkdwn' } })
    expect(message.tarmac).toMatchObject({
      event: 'alert.fired',
      alert: { model: 'mon-labels', version: 1, rule: 'realized_auc', status: 'firing' },
    })

    // still failing: the same alert is refreshed, nothing is re-sent
    const again = await run()
    const refreshed = again.changes.find((c) => c.alert.model === 'mon-labels' && c.alert.rule === 'realized_auc')
    expect(refreshed).toMatchObject({ kind: 'updated', alert: { id: message.tarmac.alert.id }, delivery: null })
    expect(hooksFor('mon-labels', 'realized_auc')).toHaveLength(1)
    const open = await db
      .select()
      .from(alerts)
      .where(and(eq(alerts.model, 'mon-labels'), eq(alerts.rule, 'realized_auc')))
    expect(open).toHaveLength(1)

    await label(false)
    const resolved = await run()
    expect(resolved.evaluations.find((e) => e.model === 'mon-labels')?.performance.realized.auc).toBeGreaterThan(0.9)
    expect(resolved.changes.find((c) => c.alert.model === 'mon-labels' && c.alert.rule === 'realized_auc')).toMatchObject({
      kind: 'resolved',
      alert: { id: message.tarmac.alert.id, status: 'resolved' },
    })
    const sent = hooksFor('mon-labels', 'realized_auc')
    expect(sent.map((m) => m.tarmac.event)).toEqual(['alert.fired', 'alert.resolved'])
    expect(sent[1].text).toMatch(/^\[RESOLVED\] realized_auc on mon-labels/)

    const list = async (status: string) =>
      (await (await call(`/v1/monitoring/alerts?status=${status}&model=mon-labels`, { headers: KEY_A })).json<{ alerts: AlertRecord[] }>())
        .alerts
    expect((await list('resolved')).map((a) => a.rule)).toContain('realized_auc')
    expect((await list('firing')).map((a) => a.rule)).not.toContain('realized_auc')
  })

  it('dates the alerts of a past window by that window, not by when the pass ran', async () => {
    await publish(await makeModel('mon-past', 1, 605))
    const replayed = { ...ADMIN, 'X-Tarmac-Event-Time': '2026-05-01T10:20:00Z' }
    const res = await post('/v1/models/mon-past/predict', { instances: instances(50, 25) }, replayed)
    expect(res.status).toBe(200)
    for (const until = Date.now() + 30_000; ; ) {
      const [{ n }] = await db.select({ n: sql<number>`count(*)` }).from(predictions).where(eq(predictions.model, 'mon-past'))
      if (n >= 50) break
      if (Date.now() > until) throw new Error(`only ${n} of 50 predictions of mon-past were consumed`)
      await new Promise((r) => setTimeout(r, 100))
    }
    const past = await post('/admin/monitoring/run', { from: '2026-05-01T00:00:00Z', to: '2026-05-02T00:00:00Z' }, ADMIN, {
      ALERT_P99_LATENCY_MS: '0',
    })
    expect(past.status).toBe(200)
    const { changes } = await past.json<MonitoringRun>()
    const fired = changes.find((c) => c.alert.model === 'mon-past' && c.alert.rule === 'latency_p99')
    expect(fired).toMatchObject({
      kind: 'fired',
      alert: { firstFired: '2026-05-02T00:00:00.000Z', lastSeen: '2026-05-02T00:00:00.000Z' },
    })
  })

  it('fires the error-rate alert for a version that cannot serve, from its failed rows', async () => {
    const broken = await makeModel('mon-broken', 1, 606)
    await publish(broken)
    // corrupted behind the publish check, before any isolate loaded it: every request fails to load the model
    await env.MODELS.put(broken.manifest.files.fp32.key, broken.fp32.slice().reverse())
    for (const rows of [instances(30, 26), instances(10, 27)]) {
      const res = await post('/v1/models/mon-broken/predict', { instances: rows })
      expect(res.status).toBe(503)
      expect(await res.json()).toMatchObject({ error: { code: 'model_unavailable' } })
    }
    for (const until = Date.now() + 30_000; ; ) {
      const [{ n }] = await db.select({ n: sql<number>`coalesce(sum(rows), 0)` }).from(failures).where(eq(failures.model, 'mon-broken'))
      if (n === 40) break
      if (Date.now() > until) throw new Error(`only ${n} of 40 failed rows were consumed`)
      await new Promise((r) => setTimeout(r, 100))
    }
    const result = await run()
    expect(result.evaluations.find((e) => e.model === 'mon-broken')?.performance).toMatchObject({ count: 0, errorRate: 1 })
    expect(result.changes.filter((c) => c.alert.model === 'mon-broken').map((c) => [c.kind, c.alert.rule])).toEqual([
      ['fired', 'error_rate'],
    ])
    expect(result.changes.filter((c) => c.alert.rule === 'error_rate' && c.alert.model !== 'mon-broken')).toEqual([])
    expect(hooksFor('mon-broken', 'error_rate').map((m) => m.text)).toEqual([
      '[FIRING] error_rate on mon-broken v1: error rate 1 (bound 0.01)',
    ])
    const { from, to } = window()
    const series = await (
      await call(`/v1/monitoring/models/mon-broken/timeseries?from=${from}&to=${to}`, { headers: KEY_A })
    ).json<Timeseries>()
    expect(series.versions.map((v) => v.hours.map((h) => [h.count, h.errors]))).toEqual([[[0, 40]]])
  })

  it('records a failed delivery after a bounded retry, sends it on the next pass, and keeps going', async () => {
    const latency = (r: { alert: AlertRecord }) => r.alert.model === 'mon-steady' && r.alert.rule === 'latency_p99'
    hook.status = 503
    try {
      const before = hook.received.length
      const r = await run({ ALERT_P99_LATENCY_MS: '0' })
      const change = r.changes.find(latency)
      expect(change).toMatchObject({ kind: 'fired', delivery: { ok: false, attempts: 3, error: 'HTTP 503' } })
      expect(change?.alert.notifyError).toBe('HTTP 503 after 3 attempts')
      expect(hook.received.length - before).toBeGreaterThanOrEqual(3)
    } finally {
      hook.status = 200
    }
    // still firing: no change to announce, but the message it owes goes out now
    const sent = hooksFor('mon-steady', 'latency_p99').length
    const again = await run({ ALERT_P99_LATENCY_MS: '0' })
    expect(again.changes.find(latency)).toMatchObject({ kind: 'updated', delivery: null })
    expect(again.redelivered.filter(latency)).toMatchObject([
      { delivery: { ok: true, attempts: 1 }, alert: { status: 'firing', notifyError: null, notifiedAt: expect.any(String) } },
    ])
    expect(
      hooksFor('mon-steady', 'latency_p99')
        .slice(sent)
        .map((m) => m.tarmac.event),
    ).toEqual(['alert.fired'])
    expect((await run({ ALERT_P99_LATENCY_MS: '0' })).redelivered).toEqual([])

    const cleared = await run({ ALERT_P99_LATENCY_MS: '60000' })
    expect(cleared.changes.find((c) => c.alert.model === 'mon-steady' && c.alert.rule === 'latency_p99')).toMatchObject({
      kind: 'resolved',
      delivery: { ok: true },
    })
  })
})
