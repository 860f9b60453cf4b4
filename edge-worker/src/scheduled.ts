import { purgeExpired } from './capture/retention.ts'
import { database } from './db/client.ts'
import { heartbeats } from './db/schema.ts'
import { monitoringConfigOf } from './monitoring/config.ts'
import { runMonitoring } from './monitoring/evaluate.ts'
import { runMaturing } from './monitoring/maturing.ts'
import { trailingWindow } from './monitoring/window.ts'

/**
 * Hourly cron: a heartbeat, monitoring over the last DRIFT_WINDOW_HOURS completed prediction hours, then the
 * realized performance of the windows whose labels are still maturing (monitoring/maturing.ts), then retention.
 * Never throws (a failing cron retries noisily); POST /admin/monitoring/run runs the same pass on demand.
 */
export async function runScheduled(controller: ScheduledController, env: Env): Promise<void> {
  try {
    await database(env.DB).insert(heartbeats).values({ cron: controller.cron, scheduledAt: controller.scheduledTime, ranAt: Date.now() })
  } catch (error) {
    console.error(JSON.stringify({ event: 'heartbeat_failed', message: error instanceof Error ? error.message : String(error) }))
  }
  try {
    const window = trailingWindow(controller.scheduledTime, monitoringConfigOf(env).windowHours)
    const run = await runMonitoring(env, window)
    console.log(
      JSON.stringify({
        event: 'monitoring_run',
        from: run.from,
        to: run.to,
        evaluated: run.evaluations.length,
        skipped: run.skipped.length,
        changes: run.changes.map((c) => ({ kind: c.kind, rule: c.alert.rule, model: c.alert.model, version: c.alert.version })),
        redelivered: run.redelivered.map((r) => ({ id: r.alert.id, ok: r.delivery.ok })),
      }),
    )
  } catch (error) {
    console.error(JSON.stringify({ event: 'monitoring_run_failed', message: error instanceof Error ? error.message : String(error) }))
  }
  try {
    // after the trailing pass, which creates the newest window's row: labels that came in since re-judge older ones
    const run = await runMaturing(env, controller.scheduledTime)
    console.log(
      JSON.stringify({
        event: 'labels_matured',
        windows: run.windows.length,
        judged: run.judged,
        changes: run.changes.map((c) => ({ kind: c.kind, rule: c.alert.rule, model: c.alert.model, version: c.alert.version })),
      }),
    )
  } catch (error) {
    console.error(JSON.stringify({ event: 'labels_matured_failed', message: error instanceof Error ? error.message : String(error) }))
  }
  try {
    await purgeExpired(env, controller.scheduledTime)
  } catch (error) {
    console.error(JSON.stringify({ event: 'retention_failed', message: error instanceof Error ? error.message : String(error) }))
  }
}
