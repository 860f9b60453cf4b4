import { OpenAPIHono } from '@hono/zod-openapi'
import { bodyLimit } from 'hono/body-limit'
import { cors } from 'hono/cors'
import type { AppEnv } from './app-env.ts'
import { predictAuth, rateLimit } from './auth/middleware.ts'
import { configOf } from './config.ts'
import { ApiError, errorResponse, handleError } from './errors.ts'
import { requestLog } from './logging.ts'
import { adminRoutes } from './routes/admin.ts'
import { captureRoutes } from './routes/capture.ts'
import { healthRoutes, registerDocs } from './routes/docs.ts'
import { feedbackRoutes } from './routes/feedback.ts'
import { inferV2Routes } from './routes/infer-v2.ts'
import { modelRoutes } from './routes/models.ts'
import { monitoringRoutes } from './routes/monitoring.ts'
import { oipRoutes } from './routes/oip.ts'
import { kserveColonRoute, predictRoutes } from './routes/predict.ts'
import { telemetryRoutes } from './routes/telemetry.ts'
import { streamRoutes } from './streams/route.ts'

export function createApp() {
  const app = new OpenAPIHono<AppEnv>()
  app.onError(handleError)
  // KServe v1 clients send `POST /v1/models/{name}:predict`; a path param cannot end at a colon, so that form
  // is dispatched again as the slash route, before any middleware, which then runs once
  app.post('/v1/models/:target{[a-z0-9][a-z0-9-]{0,62}:predict}', (c) => {
    const url = new URL(c.req.url)
    url.pathname = url.pathname.replace(/:predict$/, '/predict')
    return app.fetch(new Request(url, c.req.raw), c.env, c.executionCtx)
  })
  app.openAPIRegistry.registerPath(kserveColonRoute)
  app.use('*', requestLog)
  app.notFound((c) => errorResponse(c, 404, 'not_found', `no route ${c.req.method} ${c.req.path}`))

  // browsers call the public API from the web client; admin stays same-origin only
  app.use('/v1/*', (c, next) => {
    const allowed = configOf(c.env).corsOrigins
    return cors({
      origin: (origin) => (allowed.includes(origin) ? origin : null),
      allowHeaders: ['Content-Type', 'Authorization', 'X-Tarmac-Key'],
      exposeHeaders: ['X-Request-Id'],
      maxAge: 600,
    })(c, next)
  })
  for (const path of ['/v1/*', '/v2/*']) {
    app.use(path, (c, next) =>
      bodyLimit({
        maxSize: configOf(c.env).maxBodyBytes,
        onError: () => {
          throw new ApiError(413, 'payload_too_large', `body over ${configOf(c.env).maxBodyBytes} bytes`)
        },
      })(c, next),
    )
    app.use(path, predictAuth, rateLimit)
  }

  app.route('/', healthRoutes)
  app.route('/', predictRoutes)
  app.route('/', inferV2Routes)
  app.route('/', oipRoutes)
  app.route('/', modelRoutes)
  app.route('/', feedbackRoutes)
  app.route('/', telemetryRoutes)
  app.route('/', adminRoutes)
  app.route('/', captureRoutes)
  app.route('/', monitoringRoutes)
  app.route('/', streamRoutes)
  registerDocs(app)
  return app
}
