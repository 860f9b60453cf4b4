import { createRoute, z } from '@hono/zod-openapi'
import { DELAY_RANGE_MINUTES, isDelayed } from '@tarmac/sdk/features'
import { and, eq } from 'drizzle-orm'
import { database } from '../db/client.ts'
import { feedback, predictions } from '../db/schema.ts'
import { checkBatchSize, createRouter, errors, pick } from './router.ts'

const feedbackRequest = z
  .object({
    predictionId: z.string().min(1).max(128),
    delayed: z.boolean().optional(),
    delay: z.number().int().min(DELAY_RANGE_MINUTES[0]).max(DELAY_RANGE_MINUTES[1]).optional(),
  })
  .refine((b) => b.delayed !== undefined || b.delay !== undefined, { message: 'give delayed or delay', path: ['delayed'] })
  .refine((b) => b.delayed === undefined || b.delay === undefined || b.delayed === isDelayed(b.delay), {
    message: 'disagrees with delay',
    path: ['delayed'],
  })
  .openapi('FeedbackRequest', { example: { predictionId: '3f0c…', delay: 42 } })

const feedbackResponse = z
  .object({
    predictionId: z.string(),
    delayed: z.boolean(),
    matched: z.boolean(),
    prediction: z.object({ model: z.string(), version: z.number().int(), probability: z.number() }).nullable(),
  })
  .openapi('FeedbackResponse')

const route = createRoute({
  method: 'post',
  path: '/v1/feedback',
  summary: 'Report the outcome of a predicted flight',
  description: '`matched` is false while the prediction is still in the telemetry queue; the outcome is kept and joins later.',
  request: { body: { content: { 'application/json': { schema: feedbackRequest } }, required: true } },
  responses: {
    202: { description: 'Outcome stored (the latest report wins)', content: { 'application/json': { schema: feedbackResponse } } },
    ...pick(errors, [400, 401, 413, 429]),
  },
})

const batchRoute = createRoute({
  method: 'post',
  path: '/v1/feedback/batch',
  summary: 'Report the outcomes of many predicted flights at once',
  description: 'Up to MAX_BATCH_ROWS outcomes; each is stored exactly like a single `/v1/feedback` call.',
  request: {
    body: {
      content: {
        'application/json': { schema: z.object({ outcomes: z.array(feedbackRequest).min(1, 'at least one outcome is required') }) },
      },
      required: true,
    },
  },
  responses: {
    202: {
      description: 'Outcomes stored, in order',
      content: { 'application/json': { schema: z.object({ results: z.array(feedbackResponse) }) } },
    },
    ...pick(errors, [400, 401, 413, 429]),
  },
})

type Outcome = z.infer<typeof feedbackRequest>

/** Stores an outcome (the latest report wins) and says whether its prediction is already stored. */
async function storeOutcome(env: Env, body: Outcome): Promise<z.infer<typeof feedbackResponse>> {
  const delayed = body.delayed ?? isDelayed(body.delay as number)
  const db = database(env.DB)
  const row = { predictionId: body.predictionId, delayed, delay: body.delay ?? null, createdAt: Date.now() }
  await db.insert(feedback).values(row).onConflictDoUpdate({ target: feedback.predictionId, set: row })
  const [served] = await db
    .select({ model: predictions.model, version: predictions.version, probability: predictions.probability })
    .from(predictions)
    .where(and(eq(predictions.predictionId, body.predictionId), eq(predictions.role, 'served')))
    .limit(1)
  return { predictionId: body.predictionId, delayed, matched: served !== undefined, prediction: served ?? null }
}

export const feedbackRoutes = createRouter()
  .openapi(route, async (c) => c.json(await storeOutcome(c.env, c.req.valid('json')), 202))
  .openapi(batchRoute, async (c) => {
    const { outcomes } = c.req.valid('json')
    checkBatchSize(c.env, outcomes.length, 'outcomes')
    const results = []
    for (const outcome of outcomes) results.push(await storeOutcome(c.env, outcome))
    return c.json({ results }, 202)
  })
