import { SELF } from 'cloudflare:test'
import { beforeAll, describe, expect, it } from 'vitest'
import { instances, KEY_A, type ModelFixture, makeModel, postJson, publish, reference } from './fixtures.ts'

let model: ModelFixture

beforeAll(async () => {
  model = await makeModel('predict-model', 1, 101)
  await publish(model)
})

describe('POST /v1/models/{name}/predict', () => {
  it('answers a single instance with the TS evaluator result', async () => {
    const rows = instances(1, 1)
    const res = await postJson('/v1/models/predict-model/predict', { instances: rows })
    expect(res.status).toBe(200)
    const body = await res.json<{
      model: { name: string; version: number }
      engine: string
      predictions: { id: string; probability: number; delayed: boolean }[]
    }>()
    expect(body.model).toMatchObject({ name: 'predict-model', version: 1 })
    expect(body.engine).toBe('ts')
    expect(body.predictions).toHaveLength(1)
    expect(body.predictions[0].probability).toBeCloseTo(reference(model, rows)[0], 6)
  })

  it('answers a batch in order on ONNX Runtime (past the crossover), equal to the TS evaluator within 1e-6', async () => {
    const rows = instances(200, 2)
    const res = await postJson('/v1/models/predict-model/predict', { instances: rows })
    expect(res.status).toBe(200)
    const body = await res.json<{ engine: string; predictions: { id: string; probability: number; delayed: boolean }[] }>()
    expect(body.engine).toBe('ort-wasm')
    const expected = reference(model, rows)
    const worst = Math.max(...body.predictions.map((p, i) => Math.abs(p.probability - expected[i])))
    expect(worst).toBeLessThanOrEqual(1e-6)
    expect(body.predictions.every((p, i) => p.delayed === expected[i] >= 0.5)).toBe(true)
    expect(new Set(body.predictions.map((p) => p.id)).size).toBe(200)
  })
})

describe('GET /v1/models/{name}', () => {
  it('summarises the manifest without the encoder tables', async () => {
    const res = await SELF.fetch('https://edge.test/v1/models/predict-model', { headers: KEY_A })
    expect(res.status).toBe(200)
    const text = await res.text()
    const body = JSON.parse(text)
    expect(body).toMatchObject({ name: 'predict-model', version: 1, aliases: { champion: 1 }, engine: 'ts' })
    expect(body.encoder.airports).toBe(model.manifest.encoder.airports.length)
    expect(text.length).toBeLessThan(4000)
  })
})

describe('what on-device predictors download', () => {
  it('serves the full manifest of an alias, and each model file by sha256 with immutable caching', async () => {
    const res = await SELF.fetch('https://edge.test/v1/models/predict-model/manifest?alias=champion', { headers: KEY_A })
    expect(res.status).toBe(200)
    expect(res.headers.get('Cache-Control')).toBe('no-cache')
    const manifest = await res.json<typeof model.manifest>()
    expect(manifest).toEqual(JSON.parse(JSON.stringify(model.manifest)))
    const blob = await SELF.fetch(`https://edge.test/v1/blobs/${manifest.files.int8.sha256}`, { headers: KEY_A })
    expect(blob.status).toBe(200)
    expect(blob.headers.get('Cache-Control')).toContain('immutable')
    expect(new Uint8Array(await blob.arrayBuffer())).toEqual(model.int8)
  })

  it('answers an unknown alias, a missing blob and a malformed hash with 4xx', async () => {
    const get = (path: string) => SELF.fetch(`https://edge.test${path}`, { headers: KEY_A })
    expect((await get('/v1/models/predict-model/manifest?alias=challenger')).status).toBe(404)
    expect((await get(`/v1/blobs/${'0'.repeat(64)}`)).status).toBe(404)
    const bad = await get('/v1/blobs/not-a-hash')
    expect(bad.status).toBe(400)
    expect(await bad.json()).toMatchObject({ error: { field: 'sha256' } })
  })
})
