/**
 * A replay of past traffic through the real Worker, dated on the replayed clock (`X-Tarmac-Event-Time`):
 * predictions hour by hour over a few days, outcomes as feedback, and the monitoring pass per day, the
 * way the hourly cron would have run it then.
 */

import type { MonitoringRun } from '@tarmac/sdk/contracts/monitoring'
import type { FlightInstance } from '@tarmac/sdk/features'
import { syntheticInstances } from '@tarmac/sdk/testing'
import { rng } from './fixture-model.ts'

const DAY_MS = 86_400_000
const HOUR_MS = 3_600_000

export interface ReplayPlan {
  model: string
  /** midnight UTC of the first replayed day */
  start: number
  days: number
  /** days (0-based) whose flights are longer than in training: `distance` drifts */
  shiftedDays: ReadonlySet<number>
  /** outcomes are reported for this share of the predictions */
  labelledShare: number
}

interface Served {
  id: string
  probability: number
}

/** Flights drawn as the fixture's training data is (routes, departure slots, lateness), 1500–4000 miles instead of 150–2650 when shifted. */
function flights(n: number, seed: number, shifted: boolean): FlightInstance[] {
  return syntheticInstances(n, seed).map((f) => (shifted ? { ...f, distance: f.distance + 1350 } : f))
}

/**
 * A daily rhythm around 40 per hour (16 at night, 64 in the afternoon), ~960 a day: well over the Worker's
 * DRIFT_MIN_ROWS (200), where the default thresholds flag sampling noise in ~1 of 6 windows per numeric feature.
 */
const perHour = (hour: number) => 40 + Math.round(24 * Math.sin((Math.PI * (hour - 9)) / 12))

async function post<T>(url: string, body: unknown, headers: Record<string, string>): Promise<T> {
  const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) })
  if (!res.ok) throw new Error(`POST ${url}: ${res.status} ${await res.text()}`)
  return (await res.json()) as T
}

/** Sends every replayed hour (a few at a time) and returns what was served, in order. */
export async function replayPredictions(workerUrl: string, adminKey: string, plan: ReplayPlan): Promise<Served[]> {
  const requests = Array.from({ length: plan.days * 24 }, (_, i) => ({
    at: new Date(plan.start + i * HOUR_MS).toISOString(),
    instances: flights(perHour(i % 24), 20010305 + i, plan.shiftedDays.has(Math.floor(i / 24))),
  }))
  const served: Served[][] = []
  const send = async (i: number) => {
    const { at, instances } = requests[i]
    const body = await post<{ predictions: Served[] }>(
      `${workerUrl}/v1/models/${plan.model}/predict`,
      { instances },
      { 'X-Tarmac-Event-Time': at, Authorization: `Bearer ${adminKey}` },
    )
    served[i] = body.predictions
  }
  for (let i = 0; i < requests.length; i += 4) await Promise.all(requests.slice(i, i + 4).map((_, k) => send(i + k)))
  return served.flat()
}

/**
 * Outcomes drawn from the served probability (a calibrated model's world): delayed ≥ 15 min, else on time.
 * Sent with the admin key, the caller that made the predictions (only it may label them).
 */
export async function sendFeedback(workerUrl: string, adminKey: string, served: readonly Served[], share: number): Promise<number> {
  const r = rng(42)
  const outcomes = served
    .filter(() => r() < share)
    .map((p) => ({ predictionId: p.id, delay: r() < p.probability ? 15 + Math.floor(r() * 120) : -10 + Math.floor(r() * 20) }))
  for (let i = 0; i < outcomes.length; i += 1000)
    await post(`${workerUrl}/v1/feedback/batch`, { outcomes: outcomes.slice(i, i + 1000) }, { Authorization: `Bearer ${adminKey}` })
  return outcomes.length
}

/** Waits until the telemetry queue has delivered `expected` predictions of the plan's range to D1. */
export async function waitForTelemetry(workerUrl: string, plan: ReplayPlan, expected: number, timeoutMs = 30_000): Promise<void> {
  const query = new URLSearchParams({
    from: new Date(plan.start).toISOString(),
    to: new Date(plan.start + plan.days * DAY_MS).toISOString(),
  })
  const until = Date.now() + timeoutMs
  for (;;) {
    const res = await fetch(`${workerUrl}/v1/monitoring/models/${plan.model}/timeseries?${query}`)
    const body = (await res.json()) as { versions: { hours: { count: number }[] }[] }
    const stored = body.versions.flatMap((v) => v.hours).reduce((a, h) => a + h.count, 0)
    if (stored >= expected) return
    if (Date.now() > until) throw new Error(`${stored} of ${expected} predictions reached D1 within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
}

/** The monitoring pass over each replayed day, oldest first, as the cron would have run it. */
export async function monitorDays(workerUrl: string, adminKey: string, plan: ReplayPlan): Promise<MonitoringRun[]> {
  const runs: MonitoringRun[] = []
  for (let d = 0; d < plan.days; d++) {
    const from = new Date(plan.start + d * DAY_MS).toISOString()
    const to = new Date(plan.start + (d + 1) * DAY_MS).toISOString()
    runs.push(await post<MonitoringRun>(`${workerUrl}/admin/monitoring/run`, { from, to }, { Authorization: `Bearer ${adminKey}` }))
  }
  return runs
}
