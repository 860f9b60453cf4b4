import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { TarmacDatabase } from '../db/open.ts'
import { GOOD_METRICS, seedVersion } from '../registry/testing.ts'
import { DIALECTS, freshDatabase } from '../testing/dialects.ts'
import { LocalArtifactStore, putBlob } from '../tracking/artifact-store.ts'
import { logArtifact, logMetric, logParams } from '../tracking/logging.ts'
import { startRun } from '../tracking/runs.ts'
import { createApi } from './app.ts'

const ADMIN_KEY = 'test-admin-key-0123456789'
const admin = { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' }

let db: TarmacDatabase
let root: string
let app: ReturnType<typeof createApi>

// Response bodies are typed by the caller: the assertions check the actual shape.
const get = async <T = unknown>(path: string) => {
  const res = await app.request(path)
  return { status: res.status, body: (await res.json()) as T }
}
const post = async <T = unknown>(path: string, body: unknown, headers: Record<string, string> = admin) => {
  const res = await app.request(path, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) })
  return { status: res.status, body: (await res.json()) as T }
}
type Listing<K extends string, T> = Record<K, T[]>
type Versioned = { version: number }

// the routes over each metadata-store dialect: the same requests, the same answers
describe.each(DIALECTS)('API on %s', (dialect) => {
  beforeEach(async () => {
    db = await freshDatabase(dialect)
    root = mkdtempSync(join(tmpdir(), 'tarmac-api-'))
    app = createApi({ db, adminKey: ADMIN_KEY, artifactStore: new LocalArtifactStore(root) })
  })
  afterEach(async () => {
    await db.close()
    rmSync(root, { recursive: true, force: true })
  })

  describe('tracking routes', () => {
    it('lists experiments and runs, and returns a run with its history', async () => {
      const run = await startRun(db, { experiment: 'delays', name: 'mlp' })
      await logParams(db, run.id, { lr: 0.01 })
      await logMetric(db, run.id, 'loss', 0.9, { step: 0 })
      await logMetric(db, run.id, 'loss', 0.4, { step: 1 })
      await logMetric(db, run.id, 'loss/train', 0.3, { step: 1 })

      expect((await get<Listing<'experiments', object>>('/api/v1/experiments')).body.experiments).toMatchObject([{ name: 'delays' }])
      expect(await get('/api/v1/runs?experiment=delays&parent=none')).toMatchObject({
        status: 200,
        body: { runs: [{ id: run.id, status: 'running' }] },
      })
      expect((await get<Listing<'runs', object>>('/api/v1/runs?experiment=other')).body.runs).toEqual([])
      expect(await get(`/api/v1/runs/${run.id}`)).toMatchObject({
        status: 200,
        body: { name: 'mlp', params: { lr: '0.01' }, metrics: { loss: 0.4 }, tags: {}, artifacts: [] },
      })
      const history = await get<Listing<'history', { value: number }>>(`/api/v1/runs/${run.id}/metrics/loss`)
      expect(history.body.history.map((p) => p.value)).toEqual([0.9, 0.4])
      expect((await get<Listing<'history', object>>(`/api/v1/runs/${run.id}/metrics/loss%2Ftrain`)).body.history).toHaveLength(1)
    })

    it('serves artifact bytes from the store', async () => {
      const run = await startRun(db, { experiment: 'delays' })
      const blob = await putBlob(new LocalArtifactStore(root), new TextEncoder().encode('onnx!'))
      await logArtifact(db, run.id, { path: 'model.onnx', ...blob })
      const res = await app.request(`/api/v1/runs/${run.id}/artifact?path=model.onnx`)
      expect(res.status).toBe(200)
      expect(await res.text()).toBe('onnx!')
      expect((await app.request(`/api/v1/runs/${run.id}/artifact?path=nope`)).status).toBe(404)
    })

    it('answers client mistakes with 4xx JSON errors', async () => {
      expect(await get('/api/v1/runs/nope')).toEqual({ status: 404, body: { error: { code: 'not_found', message: 'unknown run "nope"' } } })
      expect(await get('/api/v1/runs?status=sleeping')).toMatchObject({
        status: 400,
        body: { error: { code: 'invalid_argument', field: 'status' } },
      })
      expect(await get('/api/v1/runs?limit=0')).toMatchObject({ status: 400, body: { error: { field: 'limit' } } })
      expect(await get('/api/v1/nowhere')).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } })
    })
  })

  describe('registry routes', () => {
    beforeEach(async () => {
      await seedVersion(db, 'delay', GOOD_METRICS)
      await seedVersion(db, 'delay', { ...GOOD_METRICS, val_auc: 0.9 })
      await seedVersion(db, 'delay', { ...GOOD_METRICS, val_auc: 0.9001 })
    })
    const aliasPath = '/api/v1/models/delay/aliases/champion'

    it('lists models and shows versions and aliases', async () => {
      await post(aliasPath, { version: 1, reason: 'first' })
      expect(await get('/api/v1/models')).toMatchObject({
        status: 200,
        body: { models: [{ name: 'delay', latestVersion: 3, aliases: { champion: 1 } }] },
      })
      const model = await get<Listing<'versions', Versioned>>('/api/v1/models/delay')
      expect(model.body.versions.map((v) => v.version)).toEqual([3, 2, 1])
      expect(model.body.versions[2]).toMatchObject({ name: 'delay', metrics: GOOD_METRICS })
    })

    it('needs the admin key to move an alias', async () => {
      const body = { version: 1, reason: 'first' }
      expect(await post(aliasPath, body, { 'content-type': 'application/json' })).toMatchObject({
        status: 401,
        body: { error: { code: 'unauthorized' } },
      })
      const wrong = await post(aliasPath, body, { ...admin, authorization: 'Bearer not-the-key' })
      expect(wrong.status).toBe(401)
      expect((await post(`${aliasPath}/rollback`, { reason: 'x' }, { 'content-type': 'application/json' })).status).toBe(401)
    })

    it('promotes, refuses on a gate with 409, forces, rolls back and shows the history', async () => {
      expect(await post(aliasPath, { version: 2, reason: 'best so far' })).toMatchObject({
        status: 200,
        body: { event: { toVersion: 2, fromVersion: null, actor: 'api-admin', forced: false }, gates: expect.any(Array) },
      })
      const refused = await post<{ error: { message: string } }>(aliasPath, { version: 3, reason: 'tiny gain' })
      expect(refused).toMatchObject({ status: 409, body: { error: { code: 'gate_failed', details: { gates: expect.any(Array) } } } })
      expect(refused.body.error.message).toContain('beats_champion')
      expect(await post(aliasPath, { version: 3, reason: 'tiny gain', force: true })).toMatchObject({
        status: 200,
        body: { event: { forced: true } },
      })
      expect(await post(`${aliasPath}/rollback`, { reason: 'regressed' })).toMatchObject({
        status: 200,
        body: { event: { action: 'rollback', toVersion: 2 } },
      })
      const history = await get<Listing<'events', { toVersion: number }>>(`${aliasPath}/history`)
      expect(history.body.events.map((e) => e.toVersion)).toEqual([2, 3, 2])
    })

    it('rejects bad bodies and unknown names with the right status', async () => {
      expect(await post(aliasPath, { version: 'two', reason: 'x' })).toMatchObject({
        status: 400,
        body: { error: { code: 'invalid_argument', field: 'version' } },
      })
      expect(await post(aliasPath, { version: -1, reason: 'x' })).toMatchObject({ status: 400, body: { error: { field: 'version' } } })
      expect(await post(aliasPath, { version: 1 })).toMatchObject({ status: 400, body: { error: { field: 'reason' } } })
      expect(await post(aliasPath, '{not json')).toMatchObject({ status: 400, body: { error: { code: 'invalid_argument' } } })
      expect(await post('/api/v1/models/delay/aliases/latest', { version: 1, reason: 'x' })).toMatchObject({
        status: 400,
        body: { error: { field: 'alias' } },
      })
      expect(await post(aliasPath, { version: 9, reason: 'x' })).toMatchObject({
        status: 404,
        body: { error: { message: 'version 9 of "delay" does not exist' } },
      })
      expect(await get('/api/v1/models/ghost')).toEqual({
        status: 404,
        body: { error: { code: 'not_found', message: 'unknown model "ghost"' } },
      })
      expect(await post('/api/v1/models/ghost/aliases/champion', { version: 1, reason: 'x' })).toMatchObject({ status: 404 })
      expect(await post(`${aliasPath}/rollback`, { reason: 'x' })).toMatchObject({
        status: 404,
        body: { error: { message: 'model "delay" has no alias "champion"' } },
      })
    })
  })
})

describe('documents and pages', () => {
  beforeEach(async () => {
    db = await freshDatabase('sqlite')
    root = mkdtempSync(join(tmpdir(), 'tarmac-api-'))
    app = createApi({ db, adminKey: ADMIN_KEY, artifactStore: new LocalArtifactStore(root) })
  })
  afterEach(async () => {
    await db.close()
    rmSync(root, { recursive: true, force: true })
  })

  it('publishes an OpenAPI document listing every route', async () => {
    const { status, body } = await get<{ paths: Record<string, Record<string, { security?: unknown }>> }>('/openapi.json')
    expect(status).toBe(200)
    expect(Object.keys(body.paths).sort()).toEqual([
      '/api/v1/experiments',
      '/api/v1/models',
      '/api/v1/models/{name}',
      '/api/v1/models/{name}/aliases/{alias}',
      '/api/v1/models/{name}/aliases/{alias}/history',
      '/api/v1/models/{name}/aliases/{alias}/rollback',
      '/api/v1/models/{name}/versions/{version}/files/{file}',
      '/api/v1/runs',
      '/api/v1/runs/{id}',
      '/api/v1/runs/{id}/artifact',
      '/api/v1/runs/{id}/metrics/{key}',
    ])
    expect(body.paths['/api/v1/models/{name}/aliases/{alias}'].post.security).toEqual([{ adminKey: [] }])
  })

  it('renders the docs page, a run page with an SVG chart, and health', async () => {
    const run = await startRun(db, { experiment: 'delays', name: '<script>x</script>' })
    for (let step = 0; step < 5; step++) await logMetric(db, run.id, 'loss', 1 / (step + 1), { step })
    const docs = await (await app.request('/docs')).text()
    expect(docs).toContain('/api/v1/models/{name}/aliases/{alias}/rollback')
    const view = await app.request(`/runs/${run.id}`)
    const page = await view.text()
    expect(view.headers.get('content-type')).toContain('text/html')
    expect(page).toContain('<polyline points="')
    expect(page).toContain('&lt;script&gt;x&lt;/script&gt;')
    expect(page).not.toMatch(/<script|src="http/)
    expect(await (await app.request('/')).text()).toContain('&lt;script&gt;x&lt;/script&gt;')
    expect(await get('/health')).toEqual({ status: 200, body: { ok: true } })
  })

  it('refuses a weak admin key', async () => {
    expect(() => createApi({ db, adminKey: 'short', artifactStore: new LocalArtifactStore(root) })).toThrow('adminKey')
  })
})
