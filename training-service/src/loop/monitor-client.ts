import type { ReplayTarget } from './replay.ts'

/** What the loop reads of the Worker's monitoring run (edge-worker/src/monitoring/api.ts has the full schema). */
export interface MonitoringRun {
  evaluations: {
    version: number
    drift: {
      report: {
        datasetDrift: boolean
        features: { feature: string; drifted: boolean; statistic: number }[]
        prediction: { drifted: boolean }
      }
    } | null
    performance: {
      count: number
      realized: { labels: number; auc: number | null }
      estimated: { auc: number | null }
      latencyMs: { p50: number | null; p99: number | null }
    }
  }[]
  changes: { kind: 'fired' | 'updated' | 'resolved'; alert: { rule: string; version: number; detail: Record<string, unknown> } }[]
}

const iso = (ms: number) => new Date(ms).toISOString()

/** Waits until the queue consumer has aggregated `expected` predictions dated in [from, to): telemetry is asynchronous. */
export async function drainTelemetry(
  target: ReplayTarget,
  from: number,
  to: number,
  expected: number,
  timeoutMs = 60_000,
): Promise<number> {
  const deadline = Date.now() + timeoutMs
  let seen = 0
  while (Date.now() < deadline) {
    const res = await fetch(`${target.url}/v1/monitoring/models/${target.model}/timeseries?from=${iso(from)}&to=${iso(to)}`, {
      headers: { 'X-Tarmac-Admin-Key': target.adminKey },
    })
    if (res.ok) {
      const body = (await res.json()) as { versions: { hours: { count: number }[] }[] }
      seen = body.versions.reduce((a, v) => a + v.hours.reduce((b, h) => b + h.count, 0), 0)
      if (seen >= expected) return seen
    }
    await new Promise((r) => setTimeout(r, 500))
  }
  return seen
}

/** Runs the same evaluation as the hourly cron over a replayed window: drift, performance, alerts. */
export async function runMonitoring(target: ReplayTarget, from: number, to: number): Promise<MonitoringRun> {
  const res = await fetch(`${target.url}/admin/monitoring/run`, {
    method: 'POST',
    headers: { authorization: `Bearer ${target.adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ from: iso(from), to: iso(to) }),
  })
  if (!res.ok) throw new Error(`monitoring run ${iso(from)}..${iso(to)}: ${res.status} ${await res.text()}`)
  return (await res.json()) as MonitoringRun
}
