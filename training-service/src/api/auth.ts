import { createHash, timingSafeEqual } from 'node:crypto'
import type { MiddlewareHandler } from 'hono'
import { errorResponse } from './errors.ts'

// Hashing first gives equal-length buffers, so the comparison time reveals neither the key nor its length.
const digest = (value: string) => createHash('sha256').update(value).digest()

/** Lets a request through only with `Authorization: Bearer <adminKey>`. */
export function requireAdmin(adminKey: string): MiddlewareHandler {
  const expected = digest(adminKey)
  return async (c, next) => {
    const token = /^Bearer\s+(.+)$/i.exec(c.req.header('authorization') ?? '')?.[1]
    if (token === undefined || !timingSafeEqual(digest(token.trim()), expected)) {
      return errorResponse(c, 401, { code: 'unauthorized', message: 'admin routes need "Authorization: Bearer <admin key>"' })
    }
    await next()
  }
}
