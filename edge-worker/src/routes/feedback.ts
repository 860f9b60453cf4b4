import { createRoute } from '@hono/zod-openapi'
import {
  feedbackBatchRequestSchema,
  feedbackBatchResponseSchema,
  feedbackRequestSchema,
  feedbackResponseSchema,
} from '@tarmac/sdk/contracts/feedback'
import type { Context } from 'hono'
import type { AppEnv } from '../app-env.ts'
import { keyMatches } from '../auth/hash.ts'
import { ApiError } from '../errors.ts'
import { type Reporter, storeOutcomes } from '../feedback/store.ts'
import { checkBatchSize, createRouter, errors, pick } from './router.ts'

const feedbackRequest = feedbackRequestSchema.openapi('FeedbackRequest', { example: { predictionId: '3f0c…', delay: 42 } })
const feedbackResponse = feedbackResponseSchema.openapi('FeedbackResponse')

const route = createRoute({
  method: 'post',
  path: '/v1/feedback',
  summary: 'Report the outcome of a predicted flight',
  description:
    '`matched` is false while the prediction is still in the telemetry queue; the outcome is kept and joins later. Only the key that made the prediction may label it, once; the admin corrects a label with `X-Tarmac-Correction: <reason>` and `X-Tarmac-Admin-Key`.',
  request: { body: { content: { 'application/json': { schema: feedbackRequest } }, required: true } },
  responses: {
    202: { description: 'Outcome stored (or the same outcome again)', content: { 'application/json': { schema: feedbackResponse } } },
    ...pick(errors, [400, 401, 403, 409, 413, 429]),
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
    ...pick(errors, [400, 401, 403, 409, 413, 429]),
  },
})

/** An explicit admin correction (`X-Tarmac-Correction: <reason>` with `X-Tarmac-Admin-Key`), else the caller's own label. */
async function reporterOf(c: Context<AppEnv>): Promise<Reporter> {
  const reason = c.req.header('X-Tarmac-Correction')
  if (reason === undefined) return { keyHash: c.get('callerKey'), correction: null }
  const admin = c.req.header('X-Tarmac-Admin-Key')
  if (!admin || !(await keyMatches(admin, c.env.ADMIN_KEY_SHA256)))
    throw new ApiError(401, 'unauthorized', 'X-Tarmac-Correction needs a valid X-Tarmac-Admin-Key', 'X-Tarmac-Correction')
  return { keyHash: c.get('callerKey'), correction: reason.trim() || 'admin correction' }
}

export const feedbackRoutes = createRouter()
  .openapi(route, async (c) => {
    const [stored] = await storeOutcomes(c.env, [c.req.valid('json')], await reporterOf(c), () => 'predictionId')
    return c.json(stored, 202)
  })
  .openapi(batchRoute, async (c) => {
    const { outcomes } = c.req.valid('json')
    checkBatchSize(c.env, outcomes.length, 'outcomes')
    const results = await storeOutcomes(c.env, outcomes, await reporterOf(c), (i) => `outcomes.${i}.predictionId`)
    return c.json({ results }, 202)
  })
