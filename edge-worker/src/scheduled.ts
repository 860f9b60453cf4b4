import { database } from './db/client.ts'
import { heartbeats } from './db/schema.ts'

/** Hourly cron: only a heartbeat until the monitoring jobs move here. Never throws (a failing cron retries noisily). */
export async function runScheduled(controller: ScheduledController, env: Env): Promise<void> {
  try {
    await database(env.DB).insert(heartbeats).values({ cron: controller.cron, scheduledAt: controller.scheduledTime, ranAt: Date.now() })
  } catch (error) {
    console.error(JSON.stringify({ event: 'heartbeat_failed', message: error instanceof Error ? error.message : String(error) }))
  }
}
