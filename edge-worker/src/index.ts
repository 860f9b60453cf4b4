import { createApp } from './app.ts'
import { runScheduled } from './scheduled.ts'
import { consumeDepartures, isDepartureQueue } from './streams/consumer.ts'
import { consumeTelemetry } from './telemetry/consumer.ts'

const app = createApp()

export default {
  fetch: app.fetch,
  queue: (batch, env, ctx) => (isDepartureQueue(batch.queue) ? consumeDepartures(batch, env, ctx) : consumeTelemetry(batch, env)),
  scheduled: (controller, env) => runScheduled(controller, env),
} satisfies ExportedHandler<Env>
