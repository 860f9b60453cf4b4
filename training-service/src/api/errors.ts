import type { Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { ZodError } from 'zod'
import { TarmacError, type TarmacErrorCode } from '../errors.ts'

export type ErrorCode = TarmacErrorCode | 'unauthorized' | 'internal'
export type ErrorBody = { error: { code: ErrorCode; message: string; field?: string; details?: unknown } }

const STATUS: Record<TarmacErrorCode, ContentfulStatusCode> = {
  invalid_argument: 400,
  not_found: 404,
  gate_failed: 409,
  conflict: 409,
  unavailable: 503,
}

export const statusOf = (code: TarmacErrorCode): ContentfulStatusCode => STATUS[code]

export function errorResponse(c: Context, status: ContentfulStatusCode, error: ErrorBody['error']) {
  return c.json({ error } satisfies ErrorBody, status)
}

/** OpenAPIHono's defaultHook: a request that fails its zod schema gets a 400 naming the first bad field. */
export function validationHook(result: { target: string } & ({ success: true } | { success: false; error: ZodError }), c: Context) {
  if (result.success) return
  const issue = result.error.issues[0]
  const field = issue.path.length > 0 ? issue.path.join('.') : result.target
  return errorResponse(c, 400, { code: 'invalid_argument', message: `${field}: ${issue.message}`, field })
}

/** Maps thrown errors to JSON: TarmacError by code, HTTP errors (e.g. malformed JSON) by status, anything else is a 500. */
export function handleError(error: Error, c: Context) {
  if (error instanceof TarmacError) {
    return errorResponse(c, STATUS[error.code], { code: error.code, message: error.message, field: error.field, details: error.details })
  }
  if (error instanceof HTTPException) {
    const status = error.status as ContentfulStatusCode
    return errorResponse(c, status, { code: status === 401 ? 'unauthorized' : 'invalid_argument', message: error.message })
  }
  console.error(error)
  return errorResponse(c, 500, { code: 'internal', message: 'internal error' })
}
