import { Redis, type RedisOptions } from 'ioredis'
import { UserInputError } from '../errors.ts'
import { redactUrl } from '../redact-url.ts'

/** A Redis URL as the user gave it, checked: redis:// or rediss://, with a host. */
export function checkRedisUrl(url: string | undefined, flag = '--redis'): string {
  if (!url) throw new UserInputError(`${flag} is required: give the Redis URL, e.g. redis://127.0.0.1:6379`)
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new UserInputError(`${flag}: "${url}" is not a URL (expected redis://host:port)`)
  }
  if (!['redis:', 'rediss:'].includes(parsed.protocol) || !parsed.hostname)
    throw new UserInputError(`${flag}: "${url}" must be redis://host:port or rediss://host:port`)
  return url
}

/**
 * A connection for BullMQ: reconnects forever with a capped backoff (a Redis restart is survived), no
 * per-command retry limit (BullMQ's blocking commands need that).
 */
export function connectRedis(url: string, options: RedisOptions = {}): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: null,
    retryStrategy: (times) => Math.min(100 * 2 ** times, 2000),
    ...options,
  })
}

/** One PING with no retries: fails within `timeoutMs` with a line naming the URL, instead of a silent retry loop. */
export async function probeRedis(url: string, timeoutMs = 3000): Promise<void> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  })
  // the socket's own error (ECONNREFUSED, ENOTFOUND…) says more than ioredis's "Connection is closed"
  let socketError: Error | undefined
  redis.on('error', (error: Error) => {
    socketError ??= error
  })
  try {
    await redis.connect()
    await redis.ping()
  } catch (error) {
    const reason = (socketError ?? (error as Error)).message || 'connection failed'
    throw new UserInputError(`cannot reach Redis at ${redactUrl(url)}: ${reason}`)
  } finally {
    redis.disconnect()
  }
}
