import { SELF } from 'cloudflare:test'
import { beforeAll, describe, expect, it } from 'vitest'
import { ADMIN, instances, KEY_A, makeModel, publish } from './fixtures.ts'

beforeAll(async () => {
  await publish(await makeModel('errors-model', 1, 601))
})

const valid = instances(1, 21)[0]
const predict = '/v1/models/errors-model/predict'
const infer = '/v2/models/errors-model/infer'
const v2Inputs = [
  { name: 'origin', shape: [1], datatype: 'BYTES', data: [valid.origin] },
  { name: 'destination', shape: [1], datatype: 'BYTES', data: [valid.destination] },
  { name: 'departedAt', shape: [1], datatype: 'BYTES', data: [valid.departedAt] },
  { name: 'distance', shape: [1], datatype: 'FP64', data: [valid.distance] },
]
const withInput = (i: number, patch: object) => ({ inputs: v2Inputs.map((t, j) => (j === i ? { ...t, ...patch } : t)) })

interface Case {
  name: string
  path: string
  method?: string
  body: string
  headers?: Record<string, string>
  status: number
  code: string
  field?: string
}

const cases: Case[] = [
  { name: 'malformed JSON', path: predict, body: '{"instances": [', status: 400, code: 'malformed_json' },
  { name: 'JSON null', path: predict, body: 'null', status: 400, code: 'invalid_request' },
  { name: 'instances not a list', path: predict, body: '{"instances":{}}', status: 400, code: 'invalid_request', field: 'instances' },
  {
    name: 'not JSON at all',
    path: predict,
    body: 'origin=JFK',
    headers: { ...KEY_A, 'Content-Type': 'application/x-www-form-urlencoded' },
    status: 415,
    code: 'unsupported_media_type',
  },
  { name: 'missing instances', path: predict, body: '{}', status: 400, code: 'invalid_request', field: 'instances' },
  { name: 'empty batch', path: predict, body: '{"instances":[]}', status: 400, code: 'invalid_request', field: 'instances' },
  {
    name: 'lower-case origin',
    path: predict,
    body: JSON.stringify({ instances: [{ ...valid, origin: 'jfk' }] }),
    status: 400,
    code: 'invalid_request',
    field: 'instances.0.origin',
  },
  {
    name: 'negative distance in row 1',
    path: predict,
    body: JSON.stringify({ instances: [valid, { ...valid, distance: -5 }] }),
    status: 400,
    code: 'invalid_request',
    field: 'instances.1.distance',
  },
  {
    name: 'distance as a string',
    path: predict,
    body: JSON.stringify({ instances: [{ ...valid, distance: '500' }] }),
    status: 400,
    code: 'invalid_request',
    field: 'instances.0.distance',
  },
  {
    name: 'departedAt not a date-time',
    path: predict,
    body: JSON.stringify({ instances: [{ ...valid, departedAt: 'tomorrow' }] }),
    status: 400,
    code: 'invalid_request',
    field: 'instances.0.departedAt',
  },
  {
    name: 'invalid model name',
    path: '/v1/models/Bad_Name/predict',
    body: JSON.stringify({ instances: [valid] }),
    status: 400,
    code: 'invalid_request',
    field: 'name',
  },
  {
    name: 'unknown model',
    path: '/v1/models/no-such-model/predict',
    body: JSON.stringify({ instances: [valid] }),
    status: 404,
    code: 'model_not_found',
  },
  {
    name: 'too many rows',
    path: predict,
    body: JSON.stringify({ instances: Array(501).fill(valid) }),
    status: 413,
    code: 'too_many_rows',
    field: 'instances',
  },
  {
    name: 'body over MAX_BODY_BYTES',
    path: predict,
    body: JSON.stringify({ instances: [valid], pad: 'x'.repeat(70_000) }),
    status: 413,
    code: 'payload_too_large',
  },
  { name: 'no api key', path: predict, body: JSON.stringify({ instances: [valid] }), headers: {}, status: 401, code: 'unauthorized' },
  {
    name: 'wrong api key',
    path: predict,
    body: JSON.stringify({ instances: [valid] }),
    headers: { Authorization: 'Bearer nope' },
    status: 401,
    code: 'unauthorized',
  },
  {
    name: 'admin key on predict',
    path: predict,
    body: JSON.stringify({ instances: [valid] }),
    headers: ADMIN,
    status: 401,
    code: 'unauthorized',
  },
  {
    name: 'v2: missing tensor',
    path: infer,
    body: JSON.stringify({ inputs: v2Inputs.slice(1) }),
    status: 400,
    code: 'invalid_request',
    field: 'inputs',
  },
  {
    name: 'v2: wrong datatype',
    path: infer,
    body: JSON.stringify(withInput(3, { datatype: 'BYTES' })),
    status: 400,
    code: 'invalid_request',
    field: 'inputs.3.datatype',
  },
  {
    name: 'v2: shape/data mismatch',
    path: infer,
    body: JSON.stringify(withInput(0, { shape: [2] })),
    status: 400,
    code: 'invalid_request',
    field: 'inputs.0.shape',
  },
  {
    name: 'v2: bad value',
    path: infer,
    body: JSON.stringify(withInput(1, { data: ['la'] })),
    status: 400,
    code: 'invalid_request',
    field: 'inputs.1.data.0',
  },
  {
    name: 'v2: unknown output',
    path: infer,
    body: JSON.stringify({ inputs: v2Inputs, outputs: [{ name: 'logits' }] }),
    status: 400,
    code: 'invalid_request',
    field: 'outputs.0.name',
  },
  {
    name: 'feedback without outcome',
    path: '/v1/feedback',
    body: '{"predictionId":"p"}',
    status: 400,
    code: 'invalid_request',
    field: 'delayed',
  },
  {
    name: 'feedback contradicting itself',
    path: '/v1/feedback',
    body: '{"predictionId":"p","delayed":false,"delay":90}',
    status: 400,
    code: 'invalid_request',
    field: 'delayed',
  },
  {
    name: 'telemetry probability out of range',
    path: '/v1/telemetry',
    body: JSON.stringify({
      predictions: [{ id: 'x', model: { name: 'm', version: 1 }, backend: 'ts', probability: 2, latencyMs: 1, instance: valid }],
    }),
    status: 400,
    code: 'invalid_request',
    field: 'predictions.0.probability',
  },
  {
    name: 'admin without key',
    path: '/admin/models/errors-model/aliases',
    method: 'GET',
    body: '',
    headers: {},
    status: 401,
    code: 'unauthorized',
  },
  {
    name: 'admin with a predict key',
    path: '/admin/blobs/' + 'a'.repeat(64),
    method: 'PUT',
    body: 'x',
    headers: KEY_A,
    status: 401,
    code: 'unauthorized',
  },
  { name: 'unknown route', path: '/v1/nothing', method: 'GET', body: '', status: 404, code: 'not_found' },
]

describe('client mistakes get the right 4xx, never a 500', () => {
  it.each(cases)('$name → $status $code', async (c) => {
    const method = c.method ?? 'POST'
    const res = await SELF.fetch(`https://edge.test${c.path}`, {
      method,
      headers: { 'Content-Type': 'application/json', ...(c.headers ?? KEY_A) },
      body: method === 'GET' ? undefined : c.body,
    })
    expect(res.status).toBe(c.status)
    if (c.path.startsWith('/v2/')) {
      // the Open Inference Protocol's error is a string: the field leads it, the code is a header
      const body = await res.json<{ error: string }>()
      expect(body.error).toMatch(new RegExp(`^${c.field}: .+`))
      expect(res.headers.get('X-Tarmac-Error-Code')).toBe(c.code)
      return
    }
    const body = await res.json<{ error: { code: string; message: string; field?: string } }>()
    expect(body.error.code).toBe(c.code)
    expect(body.error.message).toBeTruthy()
    if (c.field) expect(body.error.field).toBe(c.field)
  })

  it('rate limits a caller with 429 after its budget (300/min in tests)', async () => {
    const key = { Authorization: 'Bearer test-key-c' }
    const seen: number[] = []
    let last: Response | undefined
    // windows align to the wall clock: a rollover mid-loop can cost up to one more budget
    for (let i = 0; i < 700 && seen.at(-1) !== 429; i++) {
      last = await SELF.fetch('https://edge.test/v1/models/no-such-model', { headers: key })
      seen.push(last.status)
    }
    expect(seen.at(-1)).toBe(429)
    expect(last?.headers.get('Retry-After')).toBe('60')
    expect(seen.length).toBeGreaterThan(300)
    expect(new Set(seen.slice(0, -1))).toEqual(new Set([404]))
  })
})

describe('v2 inference and docs', () => {
  it('answers the Open Inference Protocol shape', async () => {
    const res = await SELF.fetch(`https://edge.test${infer}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...KEY_A },
      body: JSON.stringify({ id: 'req-1', inputs: v2Inputs }),
    })
    expect(res.status).toBe(200)
    const body = await res.json<{ outputs: { name: string; datatype: string; shape: number[]; data: unknown[] }[] }>()
    expect(body).toMatchObject({ model_name: 'errors-model', model_version: '1', id: 'req-1' })
    expect(body.outputs.map((o) => [o.name, o.datatype, o.shape])).toEqual([
      ['probability', 'FP32', [1, 1]],
      ['prediction_id', 'BYTES', [1]],
    ])
  })

  it('serves /openapi.json, /docs and /health without auth', async () => {
    const doc = await (await SELF.fetch('https://edge.test/openapi.json')).json<{ paths: Record<string, unknown> }>()
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/models/{name}/predict',
        '/v2/models/{name}/infer',
        '/admin/models/{name}/aliases/{alias}',
        '/v1/feedback',
      ]),
    )
    const docs = await SELF.fetch('https://edge.test/docs')
    expect(docs.headers.get('Content-Type')).toContain('text/html')
    expect(await docs.text()).toContain('/v1/models/{name}/predict')
    expect(await (await SELF.fetch('https://edge.test/health')).json()).toEqual({ status: 'ok' })
  })
})
