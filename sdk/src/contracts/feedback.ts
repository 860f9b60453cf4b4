/** POST /v1/feedback and /v1/feedback/batch: the real outcome of a predicted flight, by prediction id. */
import { z } from 'zod'
import { DELAY_RANGE_MINUTES, isDelayed } from '../features/schema.ts'

export const feedbackRequestSchema = z
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

export const feedbackResponseSchema = z.object({
  predictionId: z.string(),
  delayed: z.boolean(),
  /** false while the prediction is still in the telemetry queue; the outcome is kept and joins later */
  matched: z.boolean(),
  prediction: z.object({ model: z.string(), version: z.number().int(), probability: z.number() }).nullable(),
})

export const feedbackBatchRequestSchema = z.object({
  outcomes: z.array(feedbackRequestSchema).min(1, 'at least one outcome is required'),
})
export const feedbackBatchResponseSchema = z.object({ results: z.array(feedbackResponseSchema) })

export type FeedbackRequest = z.infer<typeof feedbackRequestSchema>
export type FeedbackResponse = z.infer<typeof feedbackResponseSchema>
export type FeedbackBatchRequest = z.infer<typeof feedbackBatchRequestSchema>
export type FeedbackBatchResponse = z.infer<typeof feedbackBatchResponseSchema>
