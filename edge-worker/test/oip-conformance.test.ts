/**
 * A generic Open Inference Protocol v2 client's call sequence, every response checked against the protocol's
 * objects (sdk/src/contracts/oip.ts): health, server metadata, model metadata, readiness, an infer request
 * built only from the metadata, a versioned infer, then bad requests.
 */
import { SELF } from 'cloudflare:test'
import {
  type OipModelMetadata,
  oipErrorSchema,
  oipInferResponseSchema,
  oipModelMetadataSchema,
  oipModelReadySchema,
  oipServerLiveSchema,
  oipServerMetadataSchema,
  oipServerReadySchema,
} from '@tarmac/sdk/contracts/oip'
import type { FlightInstance } from '@tarmac/sdk/features'
import { beforeAll, describe, expect, it } from 'vitest'
import type { z } from 'zod'
import { instances, KEY_C, type ModelFixture, makeModel, postJson, publish, reference } from './fixtures.ts'

const NAME = 'oip-model'
let champion: ModelFixture
let challenger: ModelFixture

beforeAll(async () => {
  champion = await makeModel(NAME, 1, 301)
  challenger = await makeModel(NAME, 2, 302)
  await publish(champion)
  await publish(challenger, 'challenger')
})

async function get<T extends z.ZodType>(path: string, schema: T, status = 200): Promise<z.infer<T>> {
  const res = await SELF.fetch(`https://edge.test${path}`, { headers: KEY_C })
  expect(res.status, path).toBe(status)
  expect(res.headers.get('content-type')).toMatch(/^application\/json/)
  return schema.parse(await res.json())
}

async function post<T extends z.ZodType>(path: string, body: unknown, schema: T, status = 200): Promise<z.infer<T>> {
  const res = await postJson(path, body, KEY_C)
  expect(res.status, path).toBe(status)
  return schema.parse(await res.json())
}

/** What a generic client does: one tensor per metadata input, shape from the metadata with -1 as the batch. */
function requestFrom(metadata: OipModelMetadata, rows: FlightInstance[], id: string) {
  return {
    id,
    inputs: metadata.inputs.map((t) => ({
      name: t.name,
      datatype: t.datatype,
      shape: t.shape.map((d) => (d === -1 ? rows.length : d)),
      data: rows.map((r) => r[t.name as keyof FlightInstance]),
    })),
    outputs: metadata.outputs.map((t) => ({ name: t.name })),
  }
}

describe('Open Inference Protocol v2, as a generic client walks it', () => {
  it('answers health, metadata, readiness and infer built from the metadata', async () => {
    expect(await get('/v2/health/live', oipServerLiveSchema)).toEqual({ live: true })
    expect(await get('/v2/health/ready', oipServerReadySchema)).toEqual({ ready: true })
    const server = await get('/v2', oipServerMetadataSchema)
    expect(server.name).toBe('tarmac-edge')

    const metadata = await get(`/v2/models/${NAME}`, oipModelMetadataSchema)
    expect(metadata).toMatchObject({ name: NAME, versions: ['1', '2'], platform: 'onnxruntime_onnx' })
    expect(metadata.inputs.map((t) => `${t.name}:${t.datatype}`)).toEqual([
      'origin:BYTES',
      'destination:BYTES',
      'departedAt:BYTES',
      'distance:FP64',
    ])
    expect(await get(`/v2/models/${NAME}/ready`, oipModelReadySchema)).toEqual({ name: NAME, ready: true })

    const rows = instances(7, 31)
    const answer = await post(`/v2/models/${NAME}/infer`, requestFrom(metadata, rows, 'conformance-1'), oipInferResponseSchema)
    expect(answer.id).toBe('conformance-1')
    expect(answer.model_name).toBe(NAME)
    expect(answer.outputs.map((o) => o.name)).toEqual(metadata.outputs.map((o) => o.name))
    // each output's shape is the metadata's with the batch filled in
    for (const [i, out] of answer.outputs.entries()) expect(out.shape).toEqual(metadata.outputs[i].shape.map((d) => (d === -1 ? 7 : d)))
    const probability = answer.outputs.find((o) => o.name === 'probability')
    const served = answer.model_version === '2' ? challenger : champion
    expect(probability?.data).toEqual(Array.from(reference(served, rows)))
  })

  it('serves each published version by its own path, with no canary routing', async () => {
    const metadata = await get(`/v2/models/${NAME}/versions/2`, oipModelMetadataSchema)
    expect(metadata.versions).toEqual(['2'])
    expect(await get(`/v2/models/${NAME}/versions/1/ready`, oipModelReadySchema)).toEqual({ name: NAME, ready: true })
    const rows = instances(5, 32)
    for (const [version, model] of [
      ['1', champion],
      ['2', challenger],
    ] as const) {
      const answer = await post(
        `/v2/models/${NAME}/versions/${version}/infer`,
        requestFrom(metadata, rows, `v${version}`),
        oipInferResponseSchema,
      )
      expect(answer).toMatchObject({ id: `v${version}`, model_version: version })
      expect(answer.outputs.find((o) => o.name === 'probability')?.data).toEqual(Array.from(reference(model, rows)))
    }
    // without an id the server makes one
    const { id: _, ...anonymous } = requestFrom(metadata, rows, '')
    expect((await post(`/v2/models/${NAME}/infer`, anonymous, oipInferResponseSchema)).id).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('answers bad requests with the protocol error object, the field first in the message', async () => {
    const metadata = await get(`/v2/models/${NAME}`, oipModelMetadataSchema)
    const request = requestFrom(metadata, instances(2, 33), 'bad')
    const wrongType = { ...request, inputs: request.inputs.map((t) => (t.name === 'distance' ? { ...t, datatype: 'BYTES' } : t)) }
    expect((await post(`/v2/models/${NAME}/infer`, wrongType, oipErrorSchema, 400)).error).toBe('inputs.3.datatype: must be FP64 or FP32')
    const missing = { ...request, inputs: request.inputs.slice(1) }
    expect((await post(`/v2/models/${NAME}/infer`, missing, oipErrorSchema, 400)).error).toBe("inputs: missing input tensor 'origin'")
    expect((await post(`/v2/models/${NAME}/infer`, { id: 'x' }, oipErrorSchema, 400)).error).toMatch(/^inputs: /)
    expect((await get(`/v2/models/${NAME}/versions/9`, oipErrorSchema, 404)).error).toMatch(
      /^version: version 9 .* not served; serving 1 \(champion\), 2 \(challenger\)$/,
    )
    expect((await get('/v2/models/no-such-model', oipErrorSchema, 404)).error).toMatch(/no-such-model/)
    expect((await get('/v2/models/no-such-model/ready', oipErrorSchema, 404)).error).toMatch(/no-such-model/)
    const unauthenticated = await SELF.fetch('https://edge.test/v2/health/live')
    expect(unauthenticated.status).toBe(401)
    expect(oipErrorSchema.parse(await unauthenticated.json()).error).toMatch(/api key required/)
  })
})

describe('KServe v1', () => {
  it('takes the colon form of predict and reports model status as {name, ready}', async () => {
    const rows = instances(3, 34)
    const res = await postJson(`/v1/models/${NAME}:predict`, { instances: rows }, KEY_C)
    expect(res.status).toBe(200)
    const body = await res.json<{ model: { version: number }; predictions: { probability: number }[] }>()
    const served = body.model.version === 2 ? challenger : champion
    expect(body.predictions.map((p) => p.probability)).toEqual(Array.from(reference(served, rows)))
    const bad = await postJson(`/v1/models/${NAME}:predict`, { instances: [] }, KEY_C)
    expect(bad.status).toBe(400)
    expect(await bad.json()).toMatchObject({ error: { code: 'invalid_request', field: 'instances' } })
    const status = await SELF.fetch(`https://edge.test/v1/models/${NAME}`, { headers: KEY_C })
    expect(await status.json()).toMatchObject({ name: NAME, ready: true })
  })
})
