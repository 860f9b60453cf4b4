import type { Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'

/** A client-facing failure with its status; anything else that escapes a handler is a 500. */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

const HTTP_CODES: Partial<Record<number, string>> = {
  400: 'bad_request',
  401: 'unauthorized',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
}

/**
 * Tarmac's error object, except under /v2 where the Open Inference Protocol wants `{"error":"<message>"}`:
 * there the field leads the message and the code travels in `X-Tarmac-Error-Code` (and the request log).
 */
export function errorResponse(c: Context, status: ContentfulStatusCode, code: string, message: string, field?: string) {
  if (c.req.path === '/v2' || c.req.path.startsWith('/v2/')) {
    c.header(ERROR_CODE_HEADER, code)
    return c.json({ error: field === undefined ? message : `${field}: ${message}` }, status)
  }
  return c.json({ error: field === undefined ? { code, message } : { code, message, field } }, status)
}

export const ERROR_CODE_HEADER = 'X-Tarmac-Error-Code'

export function handleError(err: Error, c: Context) {
  if (err instanceof ApiError) return errorResponse(c, err.status, err.code, err.message, err.field)
  if (err instanceof HTTPException && err.status < 500) {
    // hono's JSON validator reports unparsable bodies this way
    const malformed = /malformed json/i.test(err.message)
    const status = err.status as ContentfulStatusCode
    return errorResponse(c, status, malformed ? 'malformed_json' : (HTTP_CODES[status] ?? 'bad_request'), err.message || 'bad request')
  }
  console.error(JSON.stringify({ event: 'unhandled_error', path: c.req.path, message: err.message, stack: err.stack }))
  return errorResponse(c, 500, 'internal', 'internal error')
}
