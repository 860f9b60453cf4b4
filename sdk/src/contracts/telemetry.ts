/** POST /v1/telemetry: on-device predictions reported by the SDK, counted into the same profiles as the edge's. */
import { z } from 'zod'
import { flightInstanceSchema } from '../features/schema.ts'

/** The engines that compute on a device (the SDK reports which one ran). */
export const DEVICE_ENGINES = ['ts', 'ort-wasm', 'ort-webgpu'] as const

export const telemetryPredictionSchema = z.object({
  id: z.string().min(1).max(128),
  model: z.object({ name: z.string().min(1).max(63), version: z.number().int().positive() }),
  backend: z.enum(DEVICE_ENGINES),
  probability: z.number().min(0).max(1),
  latencyMs: z.number().nonnegative(),
  /** when the prediction was made (epoch ms); defaults to arrival */
  at: z.number().int().nonnegative().optional(),
  instance: flightInstanceSchema,
})

export const telemetryRequestSchema = z.object({
  predictions: z.array(telemetryPredictionSchema).min(1, 'at least one prediction is required'),
})

export const telemetryResponseSchema = z.object({ accepted: z.number().int() })

export type TelemetryPrediction = z.infer<typeof telemetryPredictionSchema>
export type TelemetryRequest = z.infer<typeof telemetryRequestSchema>
export type TelemetryResponse = z.infer<typeof telemetryResponseSchema>
