import { OpenAPIHono } from '@hono/zod-openapi'
import type { Db } from '../db/open.ts'
import { invalidArgument } from '../errors.ts'
import type { GateConfig } from '../registry/gates.ts'
import type { ArtifactStore } from '../tracking/artifact-store.ts'
import { requireAdmin } from './auth.ts'
import { errorResponse, handleError, validationHook } from './errors.ts'
import { docsPage } from './pages.ts'
import { registerModelFileRoutes } from './routes-model-files.ts'
import { registerRegistryRoutes } from './routes-registry.ts'
import { registerTrackingRoutes } from './routes-tracking.ts'
import { registerUiRoutes } from './ui/routes.ts'

export type ApiOptions = {
  db: Db
  /** bearer token for the routes that move aliases */
  adminKey: string
  artifactStore: ArtifactStore
  /** overrides of the promotion gate thresholds */
  gates?: Partial<GateConfig>
  /** the monitoring page the models page links each version to (`model` and `version` are added to it) */
  monitorUrl?: string
}

const OPENAPI_CONFIG = {
  openapi: '3.0.0',
  info: { title: 'Tarmac tracking and registry API', version: '1' },
}

export function createApi({ db, adminKey, artifactStore, gates, monitorUrl }: ApiOptions): OpenAPIHono {
  if (adminKey.length < 16) throw invalidArgument('adminKey', 'must be at least 16 characters')
  const app = new OpenAPIHono({ defaultHook: validationHook })
  app.onError(handleError)
  app.notFound((c) => errorResponse(c, 404, { code: 'not_found', message: `no route ${c.req.method} ${c.req.path}` }))
  app.openAPIRegistry.registerComponent('securitySchemes', 'adminKey', { type: 'http', scheme: 'bearer' })

  registerTrackingRoutes(app, db, artifactStore)
  registerRegistryRoutes(app, { db, requireAdmin: requireAdmin(adminKey), gates })
  registerModelFileRoutes(app, db, artifactStore)

  app.doc('/openapi.json', OPENAPI_CONFIG)
  app.get('/docs', (c) => c.html(docsPage(app.getOpenAPIDocument(OPENAPI_CONFIG))))
  app.get('/health', (c) => c.json({ ok: true }))
  // the pages people browse: runs, a run, compare, models (read-only)
  registerUiRoutes(app, { db, artifactStore, gates, monitorUrl })
  return app
}
