import { describe, expect, it } from 'vitest'
import { signWebhook, verifyWebhook } from './stream.ts'

const secret = 'whsec-test'
const body = JSON.stringify({ results: [{ id: 'AA100', probability: 0.42 }] })

describe('webhook signature', () => {
  it('accepts what signWebhook signed, within the tolerance', async () => {
    const now = Date.UTC(2026, 4, 1, 12)
    const timestamp = now / 1000 - 30
    const signature = await signWebhook(secret, timestamp, body)
    expect(await verifyWebhook({ secret, body, timestamp: String(timestamp), signature, now })).toEqual({ ok: true })
  })

  it('rejects a tampered signature, a tampered body, another secret and an old timestamp', async () => {
    const now = Date.UTC(2026, 4, 1, 12)
    const ts = now / 1000
    const signature = await signWebhook(secret, ts, body)
    const flipped = `${signature.slice(0, -1)}${signature.endsWith('0') ? '1' : '0'}`
    const check = (o: Partial<Parameters<typeof verifyWebhook>[0]>) =>
      verifyWebhook({ secret, body, timestamp: String(ts), signature, now, ...o }).then((v) => (v.ok ? 'ok' : v.reason))
    expect(await check({ signature: flipped })).toBe('bad_signature')
    expect(await check({ body: body.replace('0.42', '0.01') })).toBe('bad_signature')
    expect(await check({ secret: 'other' })).toBe('bad_signature')
    // the same request replayed 10 minutes later, and one re-signed by a forger with an old timestamp
    expect(await check({ now: now + 600_000 })).toBe('stale_timestamp')
    expect(await check({ timestamp: String(ts - 301) })).toBe('stale_timestamp')
    expect(await check({ signature: null })).toBe('missing_headers')
  })
})
