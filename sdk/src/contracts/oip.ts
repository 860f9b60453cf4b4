/**
 * The Open Inference Protocol v2 REST objects (KServe v2, Triton, MLServer), written from the protocol's
 * `inference_rest.md`: what the Worker's /v2 routes answer and what any generic OIP client may send.
 */
import { z } from 'zod'

/** `$parameters`: free-form key/value pairs. */
export const oipParametersSchema = z.record(z.string(), z.unknown())

/** `$tensor_data`: flat or nested row-major arrays of numbers, strings or booleans. */
export type OipTensorData = (number | string | boolean | OipTensorData)[]
export const oipTensorDataSchema: z.ZodType<OipTensorData> = z.lazy(() =>
  z.array(z.union([z.number(), z.string(), z.boolean(), oipTensorDataSchema])),
)

/** `$metadata_tensor`; a variable-size dimension is -1. */
export const oipMetadataTensorSchema = z.object({
  name: z.string(),
  datatype: z.string(),
  shape: z.array(z.number().int().min(-1)),
})

export const oipServerLiveSchema = z.object({ live: z.boolean() })
export const oipServerReadySchema = z.object({ ready: z.boolean() })
export const oipModelReadySchema = z.object({ name: z.string(), ready: z.boolean() })

export const oipServerMetadataSchema = z.object({
  name: z.string(),
  version: z.string(),
  extensions: z.array(z.string()),
})

export const oipModelMetadataSchema = z.object({
  name: z.string(),
  versions: z.array(z.string()).optional(),
  platform: z.string(),
  inputs: z.array(oipMetadataTensorSchema),
  outputs: z.array(oipMetadataTensorSchema),
})

/** A request input or a response output: each dimension a non-negative integer. */
export const oipTensorSchema = z.object({
  name: z.string(),
  shape: z.array(z.number().int().nonnegative()),
  datatype: z.string(),
  parameters: oipParametersSchema.optional(),
  data: oipTensorDataSchema,
})

export const oipInferRequestSchema = z.object({
  /** echoed as the response's `id` */
  id: z.string().optional(),
  parameters: oipParametersSchema.optional(),
  inputs: z.array(oipTensorSchema).min(1, 'at least one input tensor is required'),
  /** the outputs wanted; all of them when absent */
  outputs: z.array(z.object({ name: z.string(), parameters: oipParametersSchema.optional() })).optional(),
})

export const oipInferResponseSchema = z.object({
  model_name: z.string(),
  model_version: z.string().optional(),
  id: z.string(),
  parameters: oipParametersSchema.optional(),
  outputs: z.array(oipTensorSchema),
})

/** Every failed v2 call answers this (the protocol's `$..._error_response`), with an HTTP error status. */
export const oipErrorSchema = z.object({ error: z.string() })

export type OipMetadataTensor = z.infer<typeof oipMetadataTensorSchema>
export type OipServerMetadata = z.infer<typeof oipServerMetadataSchema>
export type OipModelMetadata = z.infer<typeof oipModelMetadataSchema>
export type OipModelReady = z.infer<typeof oipModelReadySchema>
export type OipTensor = z.infer<typeof oipTensorSchema>
export type OipInferRequest = z.infer<typeof oipInferRequestSchema>
export type OipInferResponse = z.infer<typeof oipInferResponseSchema>
export type OipError = z.infer<typeof oipErrorSchema>
