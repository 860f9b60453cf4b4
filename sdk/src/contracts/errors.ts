import { z } from 'zod'

/**
 * Every error code Tarmac's HTTP APIs answer (the edge Worker and the training-service API): one spelling per
 * mistake, so a client branches on `code` the same way whichever service it called.
 */
export const errorCodeSchema = z.enum([
  // 400
  'invalid_request',
  'malformed_json',
  'bad_request',
  'feature_schema_mismatch',
  'sha256_mismatch',
  // 401, 403
  'unauthorized',
  'forbidden',
  // 404, 405
  'not_found',
  'model_not_found',
  'alias_not_found',
  'version_not_served',
  'method_not_allowed',
  // 409
  'conflict',
  'gate_failed',
  'blob_missing',
  'blob_mismatch',
  'version_exists',
  'label_exists',
  'champion_required',
  // 413, 415
  'payload_too_large',
  'too_many_rows',
  'unsupported_media_type',
  // 422
  'out_of_window',
  'unknown_version',
  // 429
  'rate_limited',
  // 5xx
  'internal',
  'unavailable',
  'model_unavailable',
  'inference_failed',
])

export type ErrorCode = z.infer<typeof errorCodeSchema>

/** The one error shape of Tarmac's own routes (/v1, /admin, the training API); /v2 answers the protocol's `{"error":"<message>"}`. */
export const apiErrorSchema = z.object({
  error: z.object({
    code: errorCodeSchema,
    message: z.string(),
    /** the offending input: a body path (`instances.0.distance`), a parameter or a header */
    field: z.string().optional(),
    requestId: z.string().optional(),
    /** structured context, e.g. the gate results of a refused promotion */
    details: z.unknown().optional(),
  }),
})

export type ApiErrorBody = z.infer<typeof apiErrorSchema>
