import { createRoute, z } from '@hono/zod-openapi'
import { flightInstanceSchema, fromInstance } from '@tarmac/sdk/features'
import { record } from '../inference.ts'
import { type PredictionEvent, rawFeatures } from '../telemetry/events.ts'
import { checkBatchSize, createRouter, errors, pick } from './router.ts'

/** On-device predictions reported by the SDK, counted into the same profiles as the edge's own. */
const telemetryRequest = z
  .object({
    predictions: z
      .array(
        z.object({
          id: z.string().min(1).max(128),
          model: z.object({ name: z.string().min(1).max(63), version: z.number().int().positive() }),
          backend: z.enum(['ts', 'ort-wasm', 'ort-webgpu']),
          probability: z.number().min(0).max(1),
          latencyMs: z.number().nonnegative(),
          /** when the prediction was made (epoch ms); defaults to arrival */
          at: z.number().int().nonnegative().optional(),
          instance: flightInstanceSchema,
        }),
      )
      .min(1, 'at least one prediction is required'),
  })
  .openapi('TelemetryRequest')

const route = createRoute({
  method: 'post',
  path: '/v1/telemetry',
  summary: 'Intake of on-device (browser) predictions',
  request: { body: { content: { 'application/json': { schema: telemetryRequest } }, required: true } },
  responses: {
    202: { description: 'Queued for aggregation', content: { 'application/json': { schema: z.object({ accepted: z.number().int() }) } } },
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
