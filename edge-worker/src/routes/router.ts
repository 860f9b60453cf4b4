import { OpenAPIHono, z } from '@hono/zod-openapi'
import { fieldIssues } from '@tarmac/sdk/features'
import type { AppEnv } from '../app-env.ts'
import { configOf } from '../config.ts'
import { ApiError, errorResponse, errorSchema } from '../errors.ts'

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

const json = { 'application/json': { schema: errorSchema } }

/** OpenAPI descriptions of the error statuses, picked per route. */
export const errors = {
  400: { description: 'Malformed JSON or a field failed validation (`error.field` names it)', content: json },
  401: { description: 'Missing or wrong key', content: json },
  403: { description: 'The key may not do this (e.g. label a prediction another key made)', content: json },
  404: { description: 'Unknown model or alias', content: json },
  409: { description: 'Conflicts with what is stored (a publish, a second label)', content: json },
  413: { description: 'Body or batch over the limit', content: json },
  429: { description: 'Rate limited', content: json },
  503: { description: 'The model could not be loaded', content: json },
} as const

export const modelName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and dashes')
  .openapi({ param: { name: 'name', in: 'path' }, example: 'flight-delay' })

export function pick<T extends object, K extends keyof T>(o: T, keys: K[]): Pick<T, K> {
  return Object.fromEntries(keys.map((k) => [k, o[k]])) as Pick<T, K>
}

export function checkBatchSize(env: Env, rows: number, field: string): void {
  const max = configOf(env).maxBatchRows
  if (rows > max) throw new ApiError(413, 'too_many_rows', `at most ${max} rows per request, got ${rows}`, field)
}
