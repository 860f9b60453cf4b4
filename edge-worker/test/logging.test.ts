import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import type { RequestLogLine } from '../src/logging.ts'
import { instances, KEY_A, makeModel, postJson, publish } from './fixtures.ts'

const MODEL = 'logging-model'

beforeAll(async () => {
  await publish(await makeModel(MODEL, 1, 303))
})

afterEach(() => {
  vi.restoreAllMocks()
})

interface Body {
  error: Record<string, unknown>
  predictions: { id: string; probability: number }[]
}

/** Sends one request with console.log spied on; returns the response and the request's log lines. */
async function logged(send: () => Promise<Response>): Promise<{ res: Response; body: Body; lines: RequestLogLine[]; raw: string }> {
  const spy = vi.spyOn(console, 'log').mockImplementation(() => {})
  const res = await send()
  const body = await res.json<Body>()
  const raw = spy.mock.calls.map((args) => String(args[0])).join('\n')
  const lines = raw
    .split('\n')
    .map((l) => JSON.parse(l) as RequestLogLine)
    .filter((l) => l.event === 'request')
  return { res, body, lines, raw }
}

describe('one structured log line per request', () => {
  it('logs a prediction with its model, engine and row count, never the instances', async () => {
    const rows = instances(3, 9)
    const { res, body, lines, raw } = await logged(() =>
      postJson(`/v1/models/${MODEL}/predict`, { instances: rows }, { ...KEY_A, 'cf-ray': '8f1e2d3c4b5a6978-LHR' }),
    )
    expect(res.status).toBe(200)
    expect(res.headers.get('X-Request-Id')).toBe('8f1e2d3c4b5a6978-LHR')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toEqual({
      event: 'request',
      requestId: '8f1e2d3c4b5a6978-LHR',
      method: 'POST',
      route: '/v1/models/:name/predict',
      status: 200,
      model: MODEL,
      version: 1,
      engine: 'ts',
      rows: 3,
      latencyMs: expect.any(Number),
      errorCode: null,
    })
    for (const value of [rows[0].departedAt, rows[1].departedAt, body.predictions[0].id, String(body.predictions[0].probability)]) {
      expect(raw).not.toContain(value)
    }
  })

  it('logs a 400 with its error code and returns the request id in the header and the error body', async () => {
    const bad = { instances: [{ origin: 'JFK', destination: 'LAX', departedAt: '2026-05-01T08:30:00', distance: 98765 }] }
    const { res, body, lines, raw } = await logged(() => postJson(`/v1/models/${MODEL}/predict`, bad))
    expect(res.status).toBe(400)
    const requestId = res.headers.get('X-Request-Id')
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/)
    expect(body.error).toMatchObject({ code: 'invalid_request', field: 'instances.0.distance', requestId })
    expect(lines).toEqual([
      expect.objectContaining({ requestId, route: '/v1/models/:name/predict', status: 400, errorCode: 'invalid_request', rows: null }),
    ])
    expect(raw).not.toContain('98765')
  })

  it('logs a feedback call with the prediction it matched', async () => {
    const predicted = await postJson(`/v1/models/${MODEL}/predict`, { instances: instances(1, 4) })
    const predictionId = ((await predicted.json()) as { predictions: { id: string }[] }).predictions[0].id
    const { res, lines } = await logged(() => postJson('/v1/feedback', { predictionId, delay: 42 }))
    expect(res.status).toBe(202)
    expect(lines).toEqual([expect.objectContaining({ method: 'POST', route: '/v1/feedback', status: 202, rows: 1, errorCode: null })])
    expect(JSON.stringify(lines)).not.toContain(predictionId)
  })

  it('logs unmatched paths without a route pattern', async () => {
    const { res, body, lines } = await logged(() => postJson('/v1/nowhere', {}))
    expect(res.status).toBe(404)
    expect(body.error.requestId).toBe(res.headers.get('X-Request-Id'))
    expect(lines).toEqual([expect.objectContaining({ route: null, status: 404, errorCode: 'not_found' })])
  })
})
