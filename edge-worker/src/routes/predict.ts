import { createRoute, z } from '@hono/zod-openapi'
import { predictRequestSchema, predictResponseSchema } from '@tarmac/sdk/contracts/predict'
import { fromInstance } from '@tarmac/sdk/features'
import { replayEventTime } from '../auth/middleware.ts'
import { predictFlights } from '../inference.ts'
import { checkBatchSize, createRouter, errors, modelName, pick } from './router.ts'

const predictRequest = predictRequestSchema.openapi('PredictRequest', {
  example: { instances: [{ origin: 'JFK', destination: 'LAX', departedAt: '2026-05-01T08:30:00', distance: 2475 }] },
})
const predictResponse = predictResponseSchema.openapi('PredictResponse')

const route = createRoute({
  method: 'post',
  path: '/v1/models/{name}/predict',
  operationId: 'predict',
  summary: 'Chance that flights which have left the gate arrive 15+ minutes late',
  description:
    'A prediction at departure: each instance gives the actual gate departure (`departedAt`, local wall clock). It is not a booking-time forecast: the model reads the departure minute, which reveals much of a departure delay. The `X-Tarmac-Key` header (else the api key) keeps a caller on one side of a canary. A replay dates its telemetry with `X-Tarmac-Event-Time` (needs `X-Tarmac-Admin-Key`).',
  request: {
    params: z.object({ name: modelName }),
    body: { content: { 'application/json': { schema: predictRequest } }, required: true },
  },
  responses: {
    200: { description: 'One prediction per instance, in order', content: { 'application/json': { schema: predictResponse } } },
    ...pick(errors, [400, 401, 404, 413, 429, 503]),
  },
})

/** The colon form KServe v1 clients send: the same call, which app.ts dispatches to the route above. */
export const kserveColonRoute = {
  ...route,
  path: '/v1/models/{name}:predict',
  operationId: 'kservePredict',
  summary: 'KServe v1 predict: the same call as `/v1/models/{name}/predict`',
}

export const predictRoutes = createRouter().openapi(route, async (c) => {
  const startedAt = Date.now()
  const { instances } = c.req.valid('json')
  checkBatchSize(c.env, instances.length, 'instances')
  const eventTime = await replayEventTime(c.req.header('X-Tarmac-Event-Time'), c.req.header('X-Tarmac-Admin-Key'), c.env.ADMIN_KEY_SHA256)
  const result = await predictFlights(c.env, c.executionCtx, {
    name: c.req.valid('param').name,
    flights: instances.map(fromInstance),
    requestKey: c.get('requestKey'),
    callerKey: c.get('callerKey'),
    startedAt,
    eventTime,
  })
  return c.json(
    {
      model: result.model,
      engine: result.engine,
      predictions: result.ids.map((id, i) => ({
        id,
        probability: result.probabilities[i],
        delayed: result.probabilities[i] >= result.threshold,
      })),
    },
    200,
  )
})
