import type { Context } from 'hono'
import { createMiddleware } from 'hono/factory'
import type { AppEnv } from '../app-env.ts'
import { ApiError } from '../errors.ts'
import { keyMatches, parseHashes, sha256Hex } from './hash.ts'

function bearerKey(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(.+)$/i.exec(header ?? '')
  return m ? m[1].trim() : undefined
}

/**
 * A wrong key counts against the client address's limit before the 401, so guessing keys is throttled like
 * any other traffic (the key-based limit never sees a caller without a valid key).
 */
async function refuse(c: Context<AppEnv>, message: string): Promise<never> {
  const address = (await sha256Hex(c.req.header('CF-Connecting-IP') ?? 'anonymous')).slice(0, 32)
  const { success } = await c.env.RATE_LIMITER.limit({ key: `auth-failed:${address}` })
  if (!success) throw new ApiError(429, 'rate_limited', 'too many failed authentications from this address; retry in a minute')
  throw new ApiError(401, 'unauthorized', message)
}

/** Admin routes are never open: without ADMIN_KEY_SHA256 every admin call is refused. */
export const requireAdmin = createMiddleware<AppEnv>(async (c, next) => {
  const key = bearerKey(c.req.header('Authorization'))
  if (!key) throw new ApiError(401, 'unauthorized', 'admin key required (Authorization: Bearer <key>)')
  if (!(await keyMatches(key, c.env.ADMIN_KEY_SHA256))) await refuse(c, 'invalid admin key')
  await next()
})

/**
 * Predict keys: when PREDICT_KEYS_SHA256 is empty the public API is open. The caller (api key, else client
 * address) is what rate limits count; the request key (X-Tarmac-Key, else the caller) keeps canary routing
 * sticky and tags telemetry. Only truncated hashes leave this middleware.
 */
export const predictAuth = createMiddleware<AppEnv>(async (c, next) => {
  const key = bearerKey(c.req.header('Authorization'))
  if (parseHashes(c.env.PREDICT_KEYS_SHA256).length > 0) {
    if (!key) throw new ApiError(401, 'unauthorized', 'api key required (Authorization: Bearer <key>)')
    if (!(await keyMatches(key, c.env.PREDICT_KEYS_SHA256))) await refuse(c, 'invalid api key')
  }
  const caller = key ?? c.req.header('CF-Connecting-IP') ?? 'anonymous'
  c.set('callerKey', (await sha256Hex(caller)).slice(0, 32))
  c.set('requestKey', (await sha256Hex(c.req.header('X-Tarmac-Key') ?? caller)).slice(0, 32))
  await next()
})

/** The `period` of the RATE_LIMITER binding in wrangler.toml. */
const RATE_LIMIT_PERIOD_SECONDS = 60

/** Per-caller limit; an admin's replay or smoke test (valid `X-Tarmac-Admin-Key`) is not counted. */
export const rateLimit = createMiddleware<AppEnv>(async (c, next) => {
  const admin = c.req.header('X-Tarmac-Admin-Key')
  if (admin && (await keyMatches(admin, c.env.ADMIN_KEY_SHA256))) return next()
  const { success } = await c.env.RATE_LIMITER.limit({ key: c.get('callerKey') })
  if (!success) {
    // the limiter counts per minute; every Tarmac client waits this long before its one retry
    c.header('Retry-After', String(RATE_LIMIT_PERIOD_SECONDS))
    throw new ApiError(429, 'rate_limited', 'too many requests for this caller; retry in a minute')
  }
  await next()
})

/**
 * A replay of historical traffic dates its telemetry by the replayed clock (`X-Tarmac-Event-Time`), so drift
 * is measured per replayed hour: an ISO date-time for the whole request, or `departure` to date each
 * prediction by its own flight's departure time. Only an admin may do that (`X-Tarmac-Admin-Key`).
 */
export async function replayEventTime(
  header: string | undefined,
  adminKey: string | undefined,
  adminHash: string | undefined,
): Promise<number | 'departure' | undefined> {
  if (header === undefined) return undefined
  if (!adminKey || !(await keyMatches(adminKey, adminHash))) {
    throw new ApiError(401, 'unauthorized', 'X-Tarmac-Event-Time needs a valid X-Tarmac-Admin-Key', 'X-Tarmac-Event-Time')
  }
  if (header === 'departure') return header
  const at = Date.parse(header)
  if (Number.isNaN(at))
    throw new ApiError(400, 'invalid_request', 'X-Tarmac-Event-Time must be an ISO 8601 date-time or "departure"', 'X-Tarmac-Event-Time')
  return at
}
