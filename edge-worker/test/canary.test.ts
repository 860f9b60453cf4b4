import { createExecutionContext, env, waitOnExecutionContext } from 'cloudflare:test'
import { fromInstance } from '@tarmac/sdk/features'
import { beforeAll, describe, expect, it } from 'vitest'
import { sha256Hex } from '../src/auth/hash.ts'
import { predictFlights } from '../src/inference.ts'
import { routesToChallenger } from '../src/models/canary.ts'
import type { PredictionEvent, TelemetryMessage } from '../src/telemetry/events.ts'
import { instances, KEY_B, makeModel, postJson, publish } from './fixtures.ts'

beforeAll(async () => {
  await publish(await makeModel('canary-model', 1, 301), 'champion')
  await publish(await makeModel('canary-model', 2, 302), 'challenger')
  await publish(await makeModel('canary-broken', 1, 303), 'champion')
  const broken = await makeModel('canary-broken', 2, 304)
  await publish(broken, 'challenger')
  // corrupted behind the publish check: the challenger can never load
  await env.MODELS.put(broken.manifest.files.fp32.key, broken.fp32.slice().reverse())
})

describe('canary routing', () => {
  it.each([1, 5, 20, 50])('sends %i%% of 10,000 keys to the challenger (±3%%), deterministically', (percent) => {
    const keys = Array.from({ length: 10_000 }, (_, i) => `user-${i}`)
    const share = keys.filter((k) => routesToChallenger(k, percent)).length / keys.length
    expect(Math.abs(share - percent / 100)).toBeLessThanOrEqual(0.03)
    expect(keys.map((k) => routesToChallenger(k, percent))).toEqual(keys.map((k) => routesToChallenger(k, percent)))
  })

  it('routes each X-Tarmac-Key to one side over HTTP (CANARY_MODE=canary, 20%)', async () => {
    const body = { instances: instances(1, 5) }
    let challenger = 0
    for (let i = 0; i < 120; i++) {
      const key = `traveller-${i}`
      const expected = routesToChallenger((await sha256Hex(key)).slice(0, 32), 20) ? 2 : 1
      for (let repeat = 0; repeat < 2; repeat++) {
        const res = await postJson('/v1/models/canary-model/predict', body, { ...KEY_B, 'X-Tarmac-Key': key })
        const { model } = await res.json<{ model: { version: number; alias: string } }>()
        expect(model.version).toBe(expected)
        expect(model.alias).toBe(expected === 2 ? 'challenger' : 'champion')
      }
      if (expected === 2) challenger++
    }
    expect(challenger).toBeGreaterThan(5)
    expect(challenger).toBeLessThan(50)
  })

  it('shadow mode answers with the champion and records the challenger separately', async () => {
    const sent: PredictionEvent[] = []
    const queue = { sendBatch: async (msgs: { body: PredictionEvent }[]) => void sent.push(...msgs.map((m) => m.body)) }
    const shadowEnv = { ...env, CANARY_MODE: 'shadow', CANARY_PERCENT: '100', TELEMETRY: queue as unknown as Queue }
    const ctx = createExecutionContext()
    const rows = instances(3, 6)
    const result = await predictFlights(shadowEnv, ctx, {
      name: 'canary-model',
      flights: rows.map(fromInstance),
      requestKey: 'k',
      callerKey: 'k',
      startedAt: Date.now(),
    })
    await waitOnExecutionContext(ctx)
    expect(result.model).toEqual({ name: 'canary-model', version: 1, alias: 'champion' })
    const served = sent.filter((e) => e.role === 'served')
    const shadow = sent.filter((e) => e.role === 'shadow')
    expect(served.map((e) => e.version)).toEqual([1, 1, 1])
    expect(shadow.map((e) => e.version)).toEqual([2, 2, 2])
    expect(shadow.map((e) => e.predictionId)).toEqual(result.ids)
    expect(shadow.map((e) => e.probability)).not.toEqual(served.map((e) => e.probability))
  })

  it.each([
    ['canary', 'served'],
    ['shadow', 'shadow'],
  ])('in %s mode a challenger that cannot load leaves the champion answering and records its rows as failed', async (mode, role) => {
    const sent: TelemetryMessage[] = []
    const queue = { sendBatch: async (msgs: { body: TelemetryMessage }[]) => void sent.push(...msgs.map((m) => m.body)) }
    const brokenEnv = { ...env, CANARY_MODE: mode, CANARY_PERCENT: '100', TELEMETRY: queue as unknown as Queue }
    const ctx = createExecutionContext()
    const result = await predictFlights(brokenEnv, ctx, {
      name: 'canary-broken',
      flights: instances(3, 7).map(fromInstance),
      requestKey: 'k',
      callerKey: 'k',
      startedAt: Date.now(),
    })
    await waitOnExecutionContext(ctx)
    expect(result.model).toEqual({ name: 'canary-broken', version: 1, alias: 'champion' })
    expect(sent.filter((m) => 'kind' in m)).toMatchObject([{ kind: 'failure', role, version: 2, rows: 3, code: 'model_unavailable' }])
    expect(sent.filter((m) => !('kind' in m)).map((m) => m.version)).toEqual([1, 1, 1])
  })
})
