import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi'
import { html } from 'hono/html'
import type { AppEnv } from '../app-env.ts'
import { createRouter } from './router.ts'

const health = createRoute({
  method: 'get',
  path: '/health',
  summary: 'Liveness',
  responses: { 200: { description: 'OK', content: { 'application/json': { schema: z.object({ status: z.literal('ok') }) } } } },
})

export const healthRoutes = createRouter().openapi(health, (c) => c.json({ status: 'ok' as const }, 200))

const DOCUMENT = {
  openapi: '3.0.3',
  info: {
    title: 'Tarmac edge API',
    version: '1',
    description:
      'At-departure flight delay inference (will a flight that has left the gate arrive 15+ minutes late?), telemetry and model publishing at the edge.',
  },
}

/** /openapi.json from the route definitions, and a self-contained /docs page (no CDN, no script). */
export function registerDocs(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'adminKey', { type: 'http', scheme: 'bearer' })
  app.doc('/openapi.json', DOCUMENT)
  app.get('/docs', (c) => {
    const paths = app.getOpenAPIDocument(DOCUMENT).paths ?? {}
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
