import { env } from 'cloudflare:test'
import { shardArtifact } from '@tarmac/sdk/manifest'
import { describe, expect, it } from 'vitest'
import { loadModel } from '../src/models/loader.ts'
import { KEY_C, makeModel, postJson, publish } from './fixtures.ts'

const flightFrom = (origin: string) => ({ origin, destination: 'LAX', departedAt: '2026-02-02T08:05', distance: 900 })

describe('encoder shards on the Worker', () => {
  it('reads the global tables on load and an origin’s shard only when a flight from it is first encoded', async () => {
    const model = await makeModel('shard-model', 1, 406)
    await publish(model)
    const keys: string[] = []
    const get = (key: string) => {
      keys.push(key)
      return env.MODELS.get(key)
    }
    const counted = { ...env, MODELS: { get } as unknown as R2Bucket }
    const loaded = await loadModel(counted, 'shard-model', 'champion', Date.now() + 500_000)
    const { fp32, encoder, shards } = model.manifest.files
    expect(keys.sort()).toEqual([fp32.key, encoder.key].sort())
    const [first, second] = Object.keys(shards)
    await loaded?.encoder.prepare([flightFrom(first), flightFrom(first), flightFrom('XYZ')])
    await loaded?.encoder.prepare([flightFrom(first)])
    expect(keys.filter((k) => k.startsWith('blobs/')).length).toBe(3)
    expect(keys).toContain(shardArtifact(shards[first]).key)
    expect(keys).not.toContain(shardArtifact(shards[second]).key)
  })

  it('answers 503 for flights whose shard is damaged in R2, and keeps serving the other origins', async () => {
    const model = await makeModel('damaged-shard', 1, 407)
    await publish(model)
    const [first, second] = Object.keys(model.manifest.files.shards)
    const file = shardArtifact(model.manifest.files.shards[second])
    await env.MODELS.put(file.key, model.tables.shards[second].slice().reverse())
    const good = await postJson('/v1/models/damaged-shard/predict', { instances: [flightFrom(first)] }, KEY_C)
    expect(good.status).toBe(200)
    const bad = await postJson('/v1/models/damaged-shard/predict', { instances: [flightFrom(second)] }, KEY_C)
    expect(bad.status).toBe(503)
    expect(await bad.json()).toMatchObject({ error: { code: 'inference_failed' } })
    await env.MODELS.put(file.key, model.tables.shards[second])
    expect((await postJson('/v1/models/damaged-shard/predict', { instances: [flightFrom(second)] }, KEY_C)).status).toBe(200)
  })
})
