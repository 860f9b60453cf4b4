import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi'
import { html } from 'hono/html'
import type { AppEnv } from '../app-env.ts'
import { createRouter } from './router.ts'

const health = createRoute({
  method: 'get',
  path: '/health',
  operationId: 'health',
  summary: 'Liveness (no key, no rate limit): for load balancers and uptime checks',
  responses: { 200: { description: 'OK', content: { 'application/json': { schema: z.object({ status: z.literal('ok') }) } } } },
})

export const healthRoutes = createRouter().openapi(health, (c) => c.json({ status: 'ok' as const }, 200))

const DOCUMENT = {
  openapi: '3.1.0',
  info: {
    title: 'Tarmac edge API',
    version: '1',
    description:
      'At-departure flight delay inference (will a flight that has left the gate arrive 15+ minutes late?) over Tarmac /v1, KServe v1 and the Open Inference Protocol v2; telemetry, feedback, monitoring and model publishing at the edge.',
    license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
  },
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const

/** `post /v1/models/{name}/predict` → `postV1ModelsByNamePredict`: a stable id for a route that names none. */
function derivedOperationId(method: string, path: string): string {
  const words = path
    .split(/[/:]/)
    .filter(Boolean)
    .map((w) => w.replace(/^\{(.+)\}$/, 'by-$1'))
    .flatMap((w) => w.split(/[^a-zA-Z0-9]+/))
  return method + words.map((w) => w[0].toUpperCase() + w.slice(1)).join('')
}

/** Which key a path needs: admin routes the admin key, the public API a predict key (when any is configured). */
function securityOf(path: string) {
  if (path.startsWith('/admin/')) return [{ adminKey: [] }]
  if (path.startsWith('/v1/') || path === '/v2' || path.startsWith('/v2/')) return [{ apiKey: [] }]
  return []
}

/**
 * The OpenAPI 3.1 document the routes describe, completed where a route leaves it to the path: the server
 * answering, an operationId and the security of every operation. Routes that state their own keep them.
 */
export function openApiDocument(app: OpenAPIHono<AppEnv>, origin: string) {
  const document = app.getOpenAPI31Document({ ...DOCUMENT, servers: [{ url: origin, description: 'this Worker' }] })
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const method of METHODS) {
      const operation = item?.[method]
      if (!operation) continue
      operation.operationId ??= derivedOperationId(method, path)
      operation.security ??= securityOf(path)
    }
  }
  return document
}

/** /openapi.json from the route definitions, and a self-contained /docs page (no CDN, no script). */
export function registerDocs(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'apiKey', {
    type: 'http',
    scheme: 'bearer',
    description: 'A predict key (`Authorization: Bearer <key>`); needed only when the Worker has PREDICT_KEYS_SHA256 set.',
  })
  app.openAPIRegistry.registerComponent('securitySchemes', 'adminKey', {
    type: 'http',
    scheme: 'bearer',
    description: 'The admin key (`Authorization: Bearer <key>`), whose sha256 is ADMIN_KEY_SHA256.',
  })
  app.get('/openapi.json', (c) => c.json(openApiDocument(app, new URL(c.req.url).origin)))
  app.get('/docs', (c) => {
    const paths = openApiDocument(app, new URL(c.req.url).origin).paths ?? {}
    const rows = Object.entries(paths).flatMap(([path, item]) =>
      Object.entries(item ?? {})
        .filter(([, op]) => typeof op === 'object' && op !== null && 'responses' in op)
        .map(([method, op]) => {
          const { summary = '', description = '' } = op as { summary?: string; description?: string }
          return html`<tr><td><code>${method.toUpperCase()}</code></td><td><code>${path}</code></td><td>${summary}<br><small>${description}</small></td></tr>`
        }),
    )
    return c.html(html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Tarmac edge API</title>
<style>body{font:14px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:64rem;padding:0 1rem}td{padding:.3rem .6rem;vertical-align:top;border-bottom:1px solid #ddd}small{color:#555}</style></head>
<body><h1>Tarmac edge API</h1>
<p>Errors are <code>{"error":{"code","message","field"?}}</code>. Schemas: <a href="/openapi.json">/openapi.json</a>.</p>
<table>${rows}</table></body></html>`)
  })
}
