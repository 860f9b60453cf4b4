import { createServer, type Server, type Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort } from '../free-port.ts'
import { checkRedisUrl, probeRedis } from './redis.ts'

// A server that accepts connections and never answers: the case a retrying client would hang on.
let silent: Server
const sockets: Socket[] = []

beforeAll(async () => {
  silent = createServer((socket) => sockets.push(socket))
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
})

afterAll(async () => {
  for (const s of sockets) s.destroy()
  await new Promise((resolve) => silent.close(resolve))
})

describe('probeRedis', () => {
  it('gives up on a Redis that never answers, naming the URL', async () => {
    const address = silent.address()
    if (!address || typeof address === 'string') throw new Error('no port')
    const url = `redis://127.0.0.1:${address.port}`
    // the test's own timeout (5 s) is the bound: a probe that retried would not settle at all
    await expect(probeRedis(url, 300)).rejects.toThrow(`cannot reach Redis at ${url}`)
  }, 5_000)

  it('refuses a closed port with the reason', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`
    await expect(probeRedis(url, 300)).rejects.toThrow(/cannot reach Redis at .*ECONNREFUSED/)
  }, 5_000)

  it('hides the password when it names the URL', async () => {
    const url = `redis://:hunter2@127.0.0.1:${await freePort()}`
    const error = await probeRedis(url, 300).catch((e: Error) => e)
    expect(String(error)).not.toContain('hunter2')
  }, 5_000)
})

describe('checkRedisUrl', () => {
  it.each([
    [undefined, /--redis is required/],
    ['not a url', /is not a URL/],
    ['http://127.0.0.1:6379', /must be redis:\/\/host:port/],
  ])('refuses %s', (url, message) => {
    expect(() => checkRedisUrl(url)).toThrow(message)
  })
  it('accepts redis:// and rediss://', () => {
    expect(checkRedisUrl('rediss://cache.internal:6380')).toBe('rediss://cache.internal:6380')
  })
})
