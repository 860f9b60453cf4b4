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

/** OpenAPI descriptions of the error statuses with their body, picked per route. */
function errorStatuses(schema: z.ZodType) {
  const content = { 'application/json': { schema } }
  return {
    400: { description: 'Malformed JSON or a field failed validation (the error names the field)', content },
    401: { description: 'Missing or wrong key', content },
    403: { description: 'The key may not do this (e.g. label a prediction another key made)', content },
    404: { description: 'Unknown model, alias or version', content },
    409: { description: 'Conflicts with what is stored (a publish, a second label)', content },
    413: { description: 'Body or batch over the limit', content },
    429: { description: 'Rate limited: wait `Retry-After` seconds', content },
    503: { description: 'The model could not be loaded', content },
  } as const
}

export const errors = errorStatuses(apiErrorSchema.openapi('Error'))
/** The same statuses under /v2, in the Open Inference Protocol's `{"error":"<message>"}`. */
export const v2Errors = errorStatuses(oipErrorSchema.openapi('OipError'))

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
