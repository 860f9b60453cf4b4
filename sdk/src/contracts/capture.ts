import { z } from 'zod'
import { flightInstanceSchema } from '../features/schema.ts'

/**
 * One scored row as the edge captures it into R2 (inference capture): the request's features after
 * validation, what scored them and when. Never a key, a key hash or a raw body: capture objects are
 * training data, readable by whoever trains.
 */
export const capturedRowSchema = z.object({
  /** unique per scoring (a shadow run has its own); the capture's idempotency key */
  eventId: z.string().min(1).max(128),
  /** the id the caller saw and labels by; a shadow row shares it with the served one */
  predictionId: z.string().min(1).max(128),
  model: z.string().min(1).max(63),
  version: z.number().int().positive(),
  role: z.enum(['served', 'shadow']),
  source: z.enum(['edge', 'browser']),
  engine: z.string().min(1).max(32),
  probability: z.number().min(0).max(1),
  /** event time (epoch ms): the prediction hour it is aggregated and partitioned by */
  at: z.number().int().nonnegative(),
  instance: flightInstanceSchema,
})
export type CapturedRow = z.infer<typeof capturedRowSchema>

/** A captured row joined with the outcome reported for it: one training row. */
export const labelledRowSchema = capturedRowSchema.extend({
  delayed: z.boolean(),
  /** arrival delay in minutes when the reporter knew it */
  delay: z.number().int().nullable(),
  /** when the label arrived (epoch ms) */
  labelledAt: z.number().int().nonnegative(),
})
export type LabelledRow = z.infer<typeof labelledRowSchema>

/** GET /admin/capture/{name}: a window of event time, read one capture object after another. */
export const captureQuerySchema = z
  .object({
    from: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time' }),
    to: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time' }),
    role: z.enum(['served', 'shadow']).default('served'),
    /** the last object key of the previous page */
    cursor: z.string().max(512).optional(),
    /** rows per page, at least (whole objects are read) */
    limit: z.coerce.number().int().min(1).max(50_000).default(10_000),
  })
  .refine((q) => Date.parse(q.from) < Date.parse(q.to), { message: 'from must be before to', path: ['from'] })

export const capturePageSchema = z.object({
  rows: z.array(labelledRowSchema),
  /** pass as `cursor` for the next page; null after the last object of the window */
  cursor: z.string().nullable(),
  /** captured rows of the role in the window read on this page, labelled or not */
  captured: z.number().int().nonnegative(),
  /** capture sample rates found on the objects read (model's setting when each object was written) */
  sampleRates: z.array(z.number().min(0).max(1)),
})
export type CapturePage = z.infer<typeof capturePageSchema>
