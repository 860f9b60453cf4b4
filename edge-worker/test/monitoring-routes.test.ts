import { SELF } from 'cloudflare:test'
import type { Timeseries } from '@tarmac/sdk/contracts/monitoring'
import { beforeAll, describe, expect, it } from 'vitest'
import { ADMIN, instances, KEY_B, makeModel, postJson, publish } from './fixtures.ts'

const get = (path: string, headers: Record<string, string> = KEY_B) => SELF.fetch(`https://edge.test${path}`, { headers })
const runWith = (body: string, headers: Record<string, string> = ADMIN) =>
  SELF.fetch('https://edge.test/admin/monitoring/run', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body,
  })

beforeAll(async () => {
  await publish(await makeModel('mon-routes', 1, 611))
})

describe('monitoring routes', () => {
  it.each([
    ['from after to', '/v1/monitoring/models/mon-routes/timeseries?from=2026-05-02T00:00:00Z&to=2026-05-01T00:00:00Z', 400, 'from'],
    ['from not a date-time', '/v1/monitoring/models/mon-routes/drift?from=yesterday', 400, 'from'],
    ['range over 31 days', '/v1/monitoring/models/mon-routes/timeseries?from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z', 400, 'to'],
    ['from equal to to', '/v1/monitoring/models/mon-routes/performance?from=2026-05-01T00:00:00Z&to=2026-05-01T00:00:00Z', 400, 'from'],
    ['bad model name', '/v1/monitoring/models/Not_A_Model/drift', 400, 'name'],
    ['unknown model', '/v1/monitoring/models/no-such-model/performance', 404, 'name'],
    ['unknown model (timeseries)', '/v1/monitoring/models/no-such-model/timeseries', 404, 'name'],
    ['unknown alert status', '/v1/monitoring/alerts?status=open', 400, 'status'],
  ])('%s → %i', async (_, path, status, field) => {
    const res = await get(path)
    expect(res.status).toBe(status)
    expect(await res.json()).toEqual({
      error: { code: expect.any(String), message: expect.any(String), field, requestId: expect.any(String) },
    })
  })

  it('refuses the public routes without a key and the run without the admin key', async () => {
    expect((await get('/v1/monitoring/alerts', {})).status).toBe(401)
    expect((await runWith('{}', KEY_B)).status).toBe(401)
  })

  it.each([
    ['malformed JSON', '{"from":', 'malformed_json'],
    ['from after to', JSON.stringify({ from: '2026-05-02T00:00:00Z', to: '2026-05-01T00:00:00Z' }), 'invalid_request'],
    ['not a date-time', JSON.stringify({ from: 'now' }), 'invalid_request'],
  ])('run: %s → 400', async (_, body, code) => {
    const res = await runWith(body)
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({ error: { code } })
  })

  it('runs over the last completed hours without a body', async () => {
    const res = await SELF.fetch('https://edge.test/admin/monitoring/run', { method: 'POST', headers: ADMIN })
    expect(res.status).toBe(200)
    const run = await res.json<{ from: string; to: string }>()
    expect(Date.parse(run.to) - Date.parse(run.from)).toBe(24 * 3_600_000)
    expect(Date.parse(run.to) % 3_600_000).toBe(0)
  })

  it('serves hourly series per version on the reference prediction bins', async () => {
    const res = await postJson('/v1/models/mon-routes/predict', { instances: instances(40, 31) }, KEY_B)
    expect(res.status).toBe(200)
    let series: Timeseries | undefined
    for (const until = Date.now() + 10_000; Date.now() < until; await new Promise((r) => setTimeout(r, 100))) {
      series = await (await get('/v1/monitoring/models/mon-routes/timeseries')).json<Timeseries>()
      if (series.versions[0]?.hours[0]?.count === 40) break
    }
    const [version] = series?.versions ?? []
    expect(version.version).toBe(1)
    const [hour] = version.hours
    expect(hour).toMatchObject({ count: 40, labels: 0, realizedAuc: null })
    expect(hour.predictionCounts).toHaveLength(version.predictionEdges.length + 1)
    expect(hour.predictionCounts.reduce((a, b) => a + b, 0)).toBe(40)
    expect(hour.meanProbability).toBeGreaterThan(0)
    expect(hour.latencyP99).toBeGreaterThanOrEqual(hour.latencyP50 ?? 0)
  })

  it('documents the routes in the OpenAPI document', async () => {
    const doc = await (await get('/openapi.json', {})).json<{ paths: Record<string, unknown> }>()
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/v1/monitoring/models/{name}/timeseries',
        '/v1/monitoring/models/{name}/drift',
        '/v1/monitoring/models/{name}/performance',
        '/v1/monitoring/alerts',
        '/admin/monitoring/run',
      ]),
    )
  })
})
