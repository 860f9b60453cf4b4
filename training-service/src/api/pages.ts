import type { OpenAPIHono } from '@hono/zod-openapi'
import { html } from 'hono/html'
import { page } from './ui/layout.ts'

const HTTP_METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const

/** The routes of the OpenAPI document as a plain list. */
export function docsPage(doc: ReturnType<OpenAPIHono['getOpenAPIDocument']>) {
  const routes = Object.entries(doc.paths ?? {}).flatMap(([path, item]) =>
    HTTP_METHODS.flatMap((method) => {
      const operation = item[method]
      return operation ? [{ method: method.toUpperCase(), path, summary: operation.summary ?? '' }] : []
    }),
  )
  const body = html`<h1>${doc.info.title}</h1><p>Machine-readable: <a href="/openapi.json">/openapi.json</a></p>
    <table><caption class="visually-hidden">Routes</caption><thead><tr><th scope="col">method</th><th scope="col">path</th><th scope="col">what</th></tr></thead><tbody>
    ${routes.map((r) => html`<tr><td><code>${r.method}</code></td><td><code>${r.path}</code></td><td>${r.summary}</td></tr>`)}
    </tbody></table>`
  return page(doc.info.title, 'api', body)
}
