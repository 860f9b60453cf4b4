import { OpenAPIHono, z } from '@hono/zod-openapi'
import { apiErrorSchema } from '@tarmac/sdk/contracts/errors'
import { oipErrorSchema } from '@tarmac/sdk/contracts/oip'
import { fieldIssues } from '@tarmac/sdk/features'
import type { AppEnv } from '../app-env.ts'
import { configOf } from '../config.ts'
import { ApiError, errorResponse } from '../errors.ts'

/** Every router answers validation failures the same way: 400 naming the first offending field. */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (result.success) return
      const [issue] = fieldIssues(result.error)
      return errorResponse(c, 400, 'invalid_request', issue?.message ?? 'invalid request', issue?.field)
    },
  })
}

const json = { 'application/json': { schema: apiErrorSchema.openapi('Error') } }

/** OpenAPI descriptions of the error statuses, picked per route. */
export const errors = {
  400: { description: 'Malformed JSON or a field failed validation (`error.field` names it)', content: json },
  401: { description: 'Missing or wrong key', content: json },
  404: { description: 'Unknown model or alias', content: json },
  409: { description: 'The publish conflicts with what is stored', content: json },
  413: { description: 'Body or batch over the limit', content: json },
  429: { description: 'Rate limited', content: json },
  503: { description: 'The model could not be loaded', content: json },
} as const

const v2Json = { 'application/json': { schema: oipErrorSchema.openapi('OipError') } }

/** The same statuses under /v2, in the Open Inference Protocol's `{"error":"<message>"}`. */
export const v2Errors = {
  400: { description: 'Malformed JSON or a field failed validation (the message starts with the field)', content: v2Json },
  401: { description: 'Missing or wrong key', content: v2Json },
  404: { description: 'Unknown model, or a version it does not serve', content: v2Json },
  413: { description: 'Body or batch over the limit', content: v2Json },
  429: { description: 'Rate limited (see `Retry-After`)', content: v2Json },
  503: { description: 'The model could not be loaded', content: v2Json },
} as const

export const modelName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and dashes')
  .openapi({ param: { name: 'name', in: 'path' }, example: 'flight-delay' })

/** A published version, as the Open Inference Protocol's `/versions/{version}` names it. */
export const modelVersion = z
  .string()
  .regex(/^[1-9][0-9]{0,8}$/, 'must be a version number')
  .openapi({ param: { name: 'version', in: 'path' }, example: '2' })

export function pick<T extends object, K extends keyof T>(o: T, keys: K[]): Pick<T, K> {
  return Object.fromEntries(keys.map((k) => [k, o[k]])) as Pick<T, K>
}

export function checkBatchSize(env: Env, rows: number, field: string): void {
  const max = configOf(env).maxBatchRows
  if (rows > max) throw new ApiError(413, 'too_many_rows', `at most ${max} rows per request, got ${rows}`, field)
}
