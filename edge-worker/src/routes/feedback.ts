import { createRoute } from '@hono/zod-openapi'
import {
  type FeedbackRequest,
  type FeedbackResponse,
  feedbackBatchRequestSchema,
  feedbackBatchResponseSchema,
  feedbackRequestSchema,
  feedbackResponseSchema,
} from '@tarmac/sdk/contracts/feedback'
import { isDelayed } from '@tarmac/sdk/features'
import { and, eq, inArray } from 'drizzle-orm'
import { database } from '../db/client.ts'
import { feedback, predictions } from '../db/schema.ts'
import { checkBatchSize, createRouter, errors, pick } from './router.ts'

const feedbackRequest = feedbackRequestSchema.openapi('FeedbackRequest', { example: { predictionId: '3f0c…', delay: 42 } })
const feedbackResponse = feedbackResponseSchema.openapi('FeedbackResponse')

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
        'application/json': { schema: feedbackBatchRequestSchema.openapi('FeedbackBatchRequest') },
      },
      required: true,
    },
  },
  responses: {
    202: {
      description: 'Outcomes stored, in order',
      content: { 'application/json': { schema: feedbackBatchResponseSchema.openapi('FeedbackBatchResponse') } },
    },
    ...pick(errors, [400, 401, 413, 429]),
  },
})

/** D1 binds at most 100 parameters per statement: match ids in chunks well under it. */
const ID_CHUNK = 90

/**
 * Stores outcomes (the latest report wins) in one D1 batch, then says which predictions are already stored.
 * One round trip for the writes however many outcomes: what makes a replay's label stream affordable.
 */
async function storeOutcomes(env: Env, outcomes: FeedbackRequest[]): Promise<FeedbackResponse[]> {
  const db = database(env.DB)
  const now = Date.now()
  const rows = outcomes.map((o) => ({
    predictionId: o.predictionId,
    delayed: o.delayed ?? isDelayed(o.delay as number),
    delay: o.delay ?? null,
    createdAt: now,
  }))
  const [first, ...rest] = rows.map((row) =>
    db.insert(feedback).values(row).onConflictDoUpdate({ target: feedback.predictionId, set: row }),
  )
  await db.batch([first, ...rest])
  const served = new Map<string, { model: string; version: number; probability: number }>()
  for (let i = 0; i < rows.length; i += ID_CHUNK) {
    const ids = rows.slice(i, i + ID_CHUNK).map((r) => r.predictionId)
    const found = await db
      .select({
        id: predictions.predictionId,
        model: predictions.model,
        version: predictions.version,
        probability: predictions.probability,
      })
      .from(predictions)
      .where(and(inArray(predictions.predictionId, ids), eq(predictions.role, 'served')))
    for (const { id, ...prediction } of found) served.set(id, prediction)
  }
  return rows.map((r) => ({
    predictionId: r.predictionId,
    delayed: r.delayed,
    matched: served.has(r.predictionId),
    prediction: served.get(r.predictionId) ?? null,
  }))
}

export const feedbackRoutes = createRouter()
  .openapi(route, async (c) => {
    const [stored] = await storeOutcomes(c.env, [c.req.valid('json')])
    return c.json(stored, 202)
  })
  .openapi(batchRoute, async (c) => {
    const { outcomes } = c.req.valid('json')
    checkBatchSize(c.env, outcomes.length, 'outcomes')
    return c.json({ results: await storeOutcomes(c.env, outcomes) }, 202)
  })
