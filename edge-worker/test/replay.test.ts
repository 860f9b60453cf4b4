import { env } from 'cloudflare:test'
import { eq } from 'drizzle-orm'
import { beforeAll, describe, expect, it } from 'vitest'
import { database } from '../src/db/client.ts'
import { predictions } from '../src/db/schema.ts'
import { ADMIN, instances, makeModel, postJson, publish } from './fixtures.ts'

const db = database(env.DB)

async function storedHour(id: string): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const [row] = await db.select().from(predictions).where(eq(predictions.predictionId, id))
    if (row) return row.hour
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`prediction ${id} never reached D1`)
}

beforeAll(async () => {
  await publish(await makeModel('replay-model', 1, 303))
})

describe('replaying historical traffic', () => {
  it('dates telemetry by the replayed clock when an admin asks for it', async () => {
    const res = await postJson(
      '/v1/models/replay-model/predict',
      { instances: instances(1, 1) },
      { ...ADMIN, 'X-Tarmac-Event-Time': '2001-04-02T07:15:00Z' },
    )
    expect(res.status).toBe(200)
    const { predictions: served } = await res.json<{ predictions: { id: string }[] }>()
    expect(await storedHour(served[0].id)).toBe('2001-04-02T07')
  })

  it('dates each prediction by its own departure when asked to', async () => {
    const rows = [
      { origin: 'SFO', destination: 'LAX', departedAt: '2001-05-01T06:10:00Z', distance: 337 },
      { origin: 'ORD', destination: 'SFO', departedAt: '2001-06-09T22:45:00Z', distance: 1846 },
    ]
    const res = await postJson('/v1/models/replay-model/predict', { instances: rows }, { ...ADMIN, 'X-Tarmac-Event-Time': 'departure' })
    const { predictions: served } = await res.json<{ predictions: { id: string }[] }>()
    expect([await storedHour(served[0].id), await storedHour(served[1].id)]).toEqual(['2001-05-01T06', '2001-06-09T22'])
  })

  it('refuses a replayed clock without the admin key, or one that is not a date', async () => {
    const noAdmin = await postJson(
      '/v1/models/replay-model/predict',
      { instances: instances(1, 2) },
      { Authorization: 'Bearer test-key-a', 'X-Tarmac-Event-Time': '2001-04-02T07:15:00Z' },
    )
    expect(noAdmin.status).toBe(401)
    expect(await noAdmin.json()).toMatchObject({ error: { code: 'unauthorized', field: 'X-Tarmac-Event-Time' } })
    const bad = await postJson(
      '/v1/models/replay-model/predict',
      { instances: instances(1, 3) },
      { ...ADMIN, 'X-Tarmac-Event-Time': 'last tuesday' },
    )
    expect(bad.status).toBe(400)
  })

  it('stores a batch of outcomes like single feedback calls, naming a bad one by position', async () => {
    const res = await postJson('/v1/models/replay-model/predict', { instances: instances(2, 4) })
    const { predictions: served } = await res.json<{ predictions: { id: string }[] }>()
    await storedHour(served[1].id)
    const ok = await postJson('/v1/feedback/batch', {
      outcomes: [
        { predictionId: served[0].id, delay: 40 },
        { predictionId: served[1].id, delayed: false },
      ],
    })
    expect(ok.status).toBe(202)
    const { results } = await ok.json<{ results: { delayed: boolean; matched: boolean }[] }>()
    expect(results.map((r) => [r.delayed, r.matched])).toEqual([
      [true, true],
      [false, true],
    ])
    const bad = await postJson('/v1/feedback/batch', { outcomes: [{ predictionId: 'x', delay: 3 }, { predictionId: 'y' }] })
    expect(bad.status).toBe(400)
    expect(await bad.json()).toMatchObject({ error: { field: 'outcomes.1.delayed' } })
  })
})
