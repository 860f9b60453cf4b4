import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi'
import type { Db } from '../db/open.ts'
import { TarmacError } from '../errors.ts'
import { type ArtifactStore, blobKey } from '../tracking/artifact-store.ts'
import { listExperiments } from '../tracking/experiments.ts'
import { getRun, listRuns, metricHistory } from '../tracking/queries.ts'
import { ErrorSchema, ExperimentSchema, json, MetricHistorySchema, param, RunDetailSchema, RunSchema, RunsQuerySchema } from './schemas.ts'
import { experimentJson, runDetailJson, runJson } from './to-json.ts'

const notFound = { 404: json(ErrorSchema, 'unknown run') }

const experimentsRoute = createRoute({
  method: 'get',
  path: '/api/v1/experiments',
  summary: 'List experiments',
  responses: { 200: json(z.object({ experiments: z.array(ExperimentSchema) }), 'all experiments by name') },
})

const runsRoute = createRoute({
  method: 'get',
  path: '/api/v1/runs',
  summary: 'List runs, newest first',
  request: { query: RunsQuerySchema },
  responses: { 200: json(z.object({ runs: z.array(RunSchema) }), 'matching runs'), 400: json(ErrorSchema, 'bad filter') },
})

const runRoute = createRoute({
  method: 'get',
  path: '/api/v1/runs/{id}',
  summary: 'Get a run with its params, final metrics, tags and artifacts',
  request: { params: z.object({ id: param('id', '0b6f3c2e-…') }) },
  responses: { 200: json(RunDetailSchema, 'the run'), ...notFound },
})

const metricRoute = createRoute({
  method: 'get',
  path: '/api/v1/runs/{id}/metrics/{key}',
  summary: "Get a metric's history (URL-encode a / in the key)",
  request: { params: z.object({ id: param('id', '0b6f3c2e-…'), key: param('key', 'val_auc') }) },
  responses: { 200: json(MetricHistorySchema, 'points ordered by step'), ...notFound },
})

const artifactRoute = createRoute({
  method: 'get',
  path: '/api/v1/runs/{id}/artifact',
  summary: 'Download one artifact of a run',
  request: { params: z.object({ id: param('id', '0b6f3c2e-…') }), query: z.object({ path: z.string().min(1) }) },
  responses: {
    200: { content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } }, description: 'the bytes' },
    ...notFound,
  },
})

export function registerTrackingRoutes(app: OpenAPIHono, db: Db, artifactStore: ArtifactStore): void {
  app.openapi(experimentsRoute, async (c) => c.json({ experiments: (await listExperiments(db)).map(experimentJson) }, 200))

  app.openapi(runsRoute, async (c) => {
    const { parent, ...filter } = c.req.valid('query')
    const runs = await listRuns(db, { ...filter, parent: parent === 'none' ? null : parent })
    return c.json({ runs: runs.map(runJson) }, 200)
  })

  app.openapi(runRoute, async (c) => c.json(runDetailJson(await getRun(db, c.req.valid('param').id)), 200))

  app.openapi(metricRoute, async (c) => {
    const { id, key } = c.req.valid('param')
    const history = (await metricHistory(db, id, key)).map((p) => ({ step: p.step, value: p.value, timestamp: p.timestamp.toISOString() }))
    return c.json({ runId: id, key, history }, 200)
  })

  app.openapi(artifactRoute, async (c) => {
    const { id } = c.req.valid('param')
    const { path } = c.req.valid('query')
    const artifact = (await getRun(db, id)).artifacts.find((a) => a.path === path)
    if (!artifact) throw new TarmacError('not_found', `run ${id} has no artifact "${path}"`)
    const bytes = await artifactStore.get(blobKey(artifact.sha256))
    if (!bytes) throw new TarmacError('not_found', `artifact "${path}" of run ${id} is missing from the artifact store`)
    return c.body(new Uint8Array(bytes), 200, { 'content-type': 'application/octet-stream' })
  })
}
