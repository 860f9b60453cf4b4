import { createRoute } from '@hono/zod-openapi'
import { telemetryRequestSchema, telemetryResponseSchema } from '@tarmac/sdk/contracts/telemetry'
import { fromInstance } from '@tarmac/sdk/features'
import { record } from '../inference.ts'
import { type PredictionEvent, rawFeatures } from '../telemetry/events.ts'
import { checkBatchSize, createRouter, errors, pick } from './router.ts'

const telemetryRequest = telemetryRequestSchema.openapi('TelemetryRequest')

const route = createRoute({
  method: 'post',
  path: '/v1/telemetry',
  summary: 'Intake of on-device (browser) predictions',
  request: { body: { content: { 'application/json': { schema: telemetryRequest } }, required: true } },
  responses: {
    202: {
      description: 'Queued for aggregation',
      content: { 'application/json': { schema: telemetryResponseSchema.openapi('TelemetryResponse') } },
    },
    ...pick(errors, [400, 401, 413, 429]),
  },
})

export const telemetryRoutes = createRouter().openapi(route, async (c) => {
  const { predictions } = c.req.valid('json')
  checkBatchSize(c.env, predictions.length, 'predictions')
  const now = Date.now()
  const events: PredictionEvent[] = predictions.map((p) => ({
    // namespaced so a client cannot collide with (and suppress) an edge event
    eventId: `browser:${p.id}`,
    predictionId: p.id,
    role: 'served',
    source: 'browser',
    engine: p.backend,
    model: p.model.name,
    version: p.model.version,
    // a device clock in the future would land in an hour that has not happened yet
    at: Math.min(p.at ?? now, now),
    latencyMs: p.latencyMs,
    probability: p.probability,
    features: rawFeatures(fromInstance(p.instance)),
    keyHash: c.get('requestKey'),
  }))
  c.executionCtx.waitUntil(record(c.env, events))
  return c.json({ accepted: events.length }, 202)
})
