/** POST /v1/models/{name}/predict (and its KServe v1 colon form) and GET /v1/models/{name}. */
import { z } from 'zod'
import { flightInstanceSchema } from '../features/schema.ts'

export const predictRequestSchema = z.object({
  instances: z.array(flightInstanceSchema).min(1, 'at least one instance is required'),
})

export const predictionSchema = z.object({ id: z.string(), probability: z.number(), delayed: z.boolean() })

export const predictResponseSchema = z.object({
  model: z.object({ name: z.string(), version: z.number().int(), alias: z.string() }),
  engine: z.string(),
  predictions: z.array(predictionSchema),
})

const fileSummary = z.object({ key: z.string(), sha256: z.string(), size: z.number() })

/** The served model: KServe v1's `{name, ready}` plus the manifest summary (without the encoder tables). */
export const modelStatusSchema = z.object({
  name: z.string(),
  /** the champion loaded and an engine runs it (else the call answers 503) */
  ready: z.boolean(),
  version: z.number().int(),
  aliases: z.record(z.string(), z.number().int()),
  createdAt: z.string(),
  runId: z.string(),
  dataVersion: z.string(),
  family: z.string(),
  featureSchemaHash: z.string(),
  threshold: z.number(),
  metrics: z.record(z.string(), z.number()),
  files: z.object({ fp32: fileSummary, int8: fileSummary, encoder: fileSummary }),
  encoder: z.object({ airports: z.number().int(), cells: z.record(z.string(), z.number().int()), globalRate: z.number() }),
  engine: z.string(),
})

export type PredictRequest = z.infer<typeof predictRequestSchema>
export type Prediction = z.infer<typeof predictionSchema>
export type PredictResponse = z.infer<typeof predictResponseSchema>
export type ModelStatus = z.infer<typeof modelStatusSchema>
