import type { Context } from 'hono'
import { createMiddleware } from 'hono/factory'
import type { AppEnv } from '../app-env.ts'
import { ApiError } from '../errors.ts'
import { digestMatches, keyMatches, parseHashes, sha256Bytes, sha256Hex, toHex } from './hash.ts'

function bearerKey(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(.+)$/i.exec(header ?? '')
  return m ? m[1].trim() : undefined
}

/**
 * A wrong key counts against the client address's limit before the 401, so guessing keys is throttled like
 * any other traffic (the key-based limit never sees a caller without a valid key).
 */
async function refuse(c: Context<AppEnv>, message: string, field?: string): Promise<never> {
  const address = (await sha256Hex(c.req.header('CF-Connecting-IP') ?? 'anonymous')).slice(0, 32)
  const { success } = await c.env.RATE_LIMITER.limit({ key: `auth-failed:${address}` })
  if (!success) throw new ApiError(429, 'rate_limited', 'too many failed authentications from this address; retry in a minute')
  throw new ApiError(401, 'unauthorized', message, field)
}

/** The header an earlier admin scheme used on public routes: refused by name rather than silently ignored. */
export const RETIRED_ADMIN_HEADER = 'X-Tarmac-Admin-Key'

/** One admin scheme, `Authorization: Bearer`, on every route. */
export const rejectRetiredAdminHeader = createMiddleware<AppEnv>(async (c, next) => {
  if (c.req.header(RETIRED_ADMIN_HEADER) !== undefined)
    throw new ApiError(
      400,
      'invalid_request',
      `${RETIRED_ADMIN_HEADER} is no longer accepted: send the admin key as Authorization: Bearer <admin key>`,
      RETIRED_ADMIN_HEADER,
    )
  await next()
})

/** Admin routes are never open: without ADMIN_KEY_SHA256 every admin call is refused. */
export const requireAdmin = createMiddleware<AppEnv>(async (c, next) => {
  const key = bearerKey(c.req.header('Authorization'))
  if (!key) throw new ApiError(401, 'unauthorized', 'admin key required (Authorization: Bearer <key>)')
  if (!(await keyMatches(key, c.env.ADMIN_KEY_SHA256))) await refuse(c, 'invalid admin key')
  await next()
})

/**
 * Predict keys: when PREDICT_KEYS_SHA256 is empty the public API is open. The admin key is accepted too, and
 * marks the caller `admin` (not rate limited; may date a replay, backfill telemetry, correct a label). The
 * caller (its key, else client address) is what rate limits count; the request key (X-Tarmac-Key, else the
 * caller) keeps canary routing sticky and tags telemetry. Only truncated hashes leave this middleware.
 */
export const predictAuth = createMiddleware<AppEnv>(async (c, next) => {
  const key = bearerKey(c.req.header('Authorization'))
  // the key is hashed once: the admin and predict key checks and the caller's hash all read this digest
  const digest = key === undefined ? undefined : await sha256Bytes(key)
  const admin = digest !== undefined && digestMatches(digest, c.env.ADMIN_KEY_SHA256)
  if (!admin && parseHashes(c.env.PREDICT_KEYS_SHA256).length > 0) {
    if (!digest) throw new ApiError(401, 'unauthorized', 'api key required (Authorization: Bearer <key>)')
    if (!digestMatches(digest, c.env.PREDICT_KEYS_SHA256)) await refuse(c, 'invalid api key')
  }
  const callerKey = (digest ? toHex(digest) : await sha256Hex(c.req.header('CF-Connecting-IP') ?? 'anonymous')).slice(0, 32)
  const requestKey = c.req.header('X-Tarmac-Key')
  c.set('admin', admin)
  c.set('callerKey', callerKey)
  c.set('requestKey', requestKey === undefined ? callerKey : (await sha256Hex(requestKey)).slice(0, 32))
  await next()
})

/**
 * What only the admin may do on a public route (`header` asks for it): anyone else gets a 401 that counts as a
 * failed authentication, so the public API is no oracle for guessing the admin key.
 */
export async function requireAdminCaller(c: Context<AppEnv>, header: string): Promise<void> {
  if (!c.get('admin')) await refuse(c, `${header} needs the admin key (Authorization: Bearer <admin key>)`, header)
}

/** The `period` of the RATE_LIMITER binding in wrangler.toml. */
const RATE_LIMIT_PERIOD_SECONDS = 60

/** Per-caller limit; the admin's replays, backfills and smoke tests are not counted. */
export const rateLimit = createMiddleware<AppEnv>(async (c, next) => {
  if (c.get('admin')) return next()
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
 * prediction by its own flight's departure time. Only the admin may do that.
 */
export async function replayEventTime(c: Context<AppEnv>): Promise<number | 'departure' | undefined> {
  const header = c.req.header('X-Tarmac-Event-Time')
  if (header === undefined) return undefined
  await requireAdminCaller(c, 'X-Tarmac-Event-Time')
  if (header === 'departure') return header
  const at = Date.parse(header)
  if (Number.isNaN(at))
    throw new ApiError(400, 'invalid_request', 'X-Tarmac-Event-Time must be an ISO 8601 date-time or "departure"', 'X-Tarmac-Event-Time')
  return at
}
