import { OpenAPIHono } from '@hono/zod-openapi'
import type { Db } from '../db/open.ts'
import { invalidArgument } from '../errors.ts'
import type { GateConfig } from '../registry/gates.ts'
import type { ArtifactStore } from '../tracking/artifact-store.ts'
import { listRuns, metricHistory } from '../tracking/queries.ts'
import { requireAdmin } from './auth.ts'
import { errorResponse, handleError, validationHook } from './errors.ts'
import { docsPage, runsPage } from './pages.ts'
import { registerRegistryRoutes } from './routes-registry.ts'
import { registerTrackingRoutes } from './routes-tracking.ts'

export type ApiOptions = {
  db: Db
  /** bearer token for the routes that move aliases */
  adminKey: string
  artifactStore: ArtifactStore
  /** overrides of the promotion gate thresholds */
  gates?: Partial<GateConfig>
}

const OPENAPI_CONFIG = {
  openapi: '3.0.0',
  info: { title: 'Tarmac tracking and registry API', version: '1' },
}

/** How many runs the HTML view charts: each costs one history query. */
const RUNS_PAGE_LIMIT = 100

export function createApi({ db, adminKey, artifactStore, gates }: ApiOptions): OpenAPIHono {
  if (adminKey.length < 16) throw invalidArgument('adminKey', 'must be at least 16 characters')
  const app = new OpenAPIHono({ defaultHook: validationHook })
  app.onError(handleError)
  app.notFound((c) => errorResponse(c, 404, { code: 'not_found', message: `no route ${c.req.method} ${c.req.path}` }))
  app.openAPIRegistry.registerComponent('securitySchemes', 'adminKey', { type: 'http', scheme: 'bearer' })

  registerTrackingRoutes(app, db, artifactStore)
  registerRegistryRoutes(app, { db, requireAdmin: requireAdmin(adminKey), gates })

  app.doc('/openapi.json', OPENAPI_CONFIG)
  app.get('/docs', (c) => c.html(docsPage(app.getOpenAPIDocument(OPENAPI_CONFIG))))
  app.get('/health', (c) => c.json({ ok: true }))
  app.get('/', async (c) => {
    const metric = c.req.query('metric') || 'val_auc'
    const experiment = c.req.query('experiment') || undefined
    const rows = []
    for (const run of await listRuns(db, { experiment, limit: RUNS_PAGE_LIMIT }))
      rows.push({ run, history: await metricHistory(db, run.id, metric) })
    return c.html(runsPage(rows, metric))
  })
  return app
}
