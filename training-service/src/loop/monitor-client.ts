import { createWorkerClient, WorkerError } from '@tarmac/sdk/client/worker'
import type { MonitoringRun } from '@tarmac/sdk/contracts/monitoring'
import type { ReplayTarget } from './replay.ts'

export type { MonitoringRun }

const workerOf = (target: ReplayTarget) => createWorkerClient({ endpoint: target.url, adminKey: target.adminKey, attempts: 1 })

/** Waits until the queue consumer has aggregated `expected` predictions dated in [from, to): telemetry is asynchronous. */
export async function drainTelemetry(
  target: ReplayTarget,
  from: number,
  to: number,
  expected: number,
  timeoutMs = 60_000,
): Promise<number> {
  const worker = workerOf(target)
  const deadline = Date.now() + timeoutMs
  let seen = 0
  while (Date.now() < deadline) {
    // an error answer (the window is still empty, the Worker is busy) is asked again; an unreachable Worker throws
    const series = await worker.timeseries(target.model, { from, to }).catch((error) => {
      if (error instanceof WorkerError) return null
      throw error
    })
    if (series) {
      seen = series.versions.reduce((a, v) => a + v.hours.reduce((b, h) => b + h.count, 0), 0)
      if (seen >= expected) return seen
    }
    await new Promise((r) => setTimeout(r, 500))
  }
  return seen
}

/**
 * Runs the same evaluation as the hourly cron over a replayed window: drift, performance, alerts. With `dryRun` the
 * Worker only evaluates it: nothing stored, no alert moved.
 */
export function runMonitoring(target: ReplayTarget, from: number, to: number, dryRun = false): Promise<MonitoringRun> {
  return workerOf(target).admin.runMonitoring({ from, to, dryRun })
}

/** Per version: the rows it answered in [from, to) and the rows it failed, from the Worker's hourly telemetry. */
export async function servedShares(
  target: ReplayTarget,
  from: number,
  to: number,
): Promise<Record<string, { predictions: number; errors: number }>> {
  const series = await workerOf(target).timeseries(target.model, { from, to })
  return Object.fromEntries(
    series.versions.map((v) => [
      `v${v.version}`,
      { predictions: v.hours.reduce((n, h) => n + h.count, 0), errors: v.hours.reduce((n, h) => n + h.errors, 0) },
    ]),
  )
}
