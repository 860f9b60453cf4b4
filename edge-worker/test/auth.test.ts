import { createExecutionContext, env, SELF, waitOnExecutionContext } from 'cloudflare:test'
import { apiErrorSchema } from '@tarmac/sdk/contracts/errors'
import { oipErrorSchema } from '@tarmac/sdk/contracts/oip'
import { beforeAll, describe, expect, it } from 'vitest'
import worker from '../src/index.ts'
import { ADMIN, instances, KEY_A, makeModel, postJson, publish } from './fixtures.ts'

const MODEL = 'auth-model'
const predict = `/v1/models/${MODEL}/predict`
const body = { instances: instances(1, 7) }

beforeAll(async () => {
  await publish(await makeModel(MODEL, 1, 801))
})

/** Calls the Worker with a rate limiter that records what it was asked and answers `success`. */
async function withLimiter(success: boolean, path: string, headers: Record<string, string>, payload: unknown = body) {
  const asked: string[] = []
  const limiter = {
    limit: async ({ key }: { key: string }) => {
      asked.push(key)
      return { success }
    },
  }
  const ctx = createExecutionContext()
  const res = await worker.fetch(
    new Request(`https://edge.test${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: JSON.stringify(payload),
    }),
    { ...env, RATE_LIMITER: limiter } as Env,
    ctx,
  )
  await waitOnExecutionContext(ctx)
  return { res, asked }
}

describe('one admin scheme: the admin key as the Bearer', () => {
  it('opens the public routes though predict keys are configured, and is never rate limited there', async () => {
    const admin = await withLimiter(false, predict, ADMIN)
    expect(admin.res.status).toBe(200)
    expect(admin.asked).toEqual([])
    const caller = await withLimiter(false, predict, KEY_A)
    expect(caller.res.status).toBe(429)
    expect(caller.asked).toHaveLength(1)
  })

  it('counts a caller asking for an admin-only header as a failed authentication, naming the header', async () => {
    for (const [path, header, value, payload] of [
      [predict, 'X-Tarmac-Event-Time', 'departure', body],
      ['/v1/feedback', 'X-Tarmac-Correction', 'typo', { predictionId: 'p', delay: 0 }],
    ] as const) {
      const { res, asked } = await withLimiter(true, path, { ...KEY_A, [header]: value }, payload)
      expect(res.status).toBe(401)
      expect(apiErrorSchema.parse(await res.json()).error).toMatchObject({ code: 'unauthorized', field: header })
      expect(asked.filter((k) => k.startsWith('auth-failed:'))).toHaveLength(1)
    }
  })

  it('refuses the retired X-Tarmac-Admin-Key header by name, even with the right key, on every kind of route', async () => {
    const retired = { ...ADMIN, 'X-Tarmac-Admin-Key': 'test-admin-key' }
    for (const path of [predict, '/admin/monitoring/run']) {
      const res = await postJson(path, body, retired)
      expect(res.status).toBe(400)
      const { error } = apiErrorSchema.parse(await res.json())
      expect(error).toMatchObject({ code: 'invalid_request', field: 'X-Tarmac-Admin-Key' })
      expect(error.message).toMatch(/Authorization: Bearer/)
    }
    const v2 = await SELF.fetch(`https://edge.test/v2/models/${MODEL}/ready`, { headers: retired })
    expect(v2.status).toBe(400)
    expect(oipErrorSchema.parse(await v2.json()).error).toMatch(/^X-Tarmac-Admin-Key: .*Authorization: Bearer/)
  })
})
