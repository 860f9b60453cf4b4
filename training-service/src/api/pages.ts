import type { OpenAPIHono } from '@hono/zod-openapi'
import { html, raw } from 'hono/html'
import type { MetricPoint, RunSummary } from '../tracking/queries.ts'

// Server-rendered pages with inline CSS and SVG only: they must work offline, with no scripts or CDNs.

const STYLE = raw(`<style>
body{font:14px system-ui,sans-serif;margin:2rem;color:#222}table{border-collapse:collapse}
th,td{padding:.35rem .7rem;border-bottom:1px solid #ddd;text-align:left;vertical-align:middle}
code{font-size:12px}.failed{color:#b00}.finished{color:#070}.running{color:#a60}.muted{color:#888}
svg polyline{fill:none;stroke:#2563eb;stroke-width:1.5}svg circle{fill:#2563eb}
</style>`)

const page = (title: string, body: unknown) =>
  html`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title>${STYLE}</head><body>${body}</body></html>`

export type RunRow = { run: RunSummary; history: MetricPoint[] }

/** A table of runs with, per run, a sparkline of one metric's history. */
export function runsPage(rows: RunRow[], metric: string) {
  const body = html`<h1>Tarmac runs</h1>
    <form method="get"><label>metric <input name="metric" value="${metric}"></label> <button>show</button>
    <a href="/docs">API</a></form>
    <table><thead><tr><th>run</th><th>experiment</th><th>status</th><th>started</th><th>${metric}</th><th>history</th></tr></thead>
    <tbody>${rows.map(({ run, history }) => {
      const last = history.at(-1)
      return html`<tr><td>${run.name} <code class="muted">${run.id.slice(0, 8)}</code></td><td>${run.experiment}</td>
        <td class="${run.status}">${run.status}</td><td>${run.startedAt.toISOString().replace('T', ' ').slice(0, 19)}</td>
        <td>${last === undefined ? '—' : Number(last.value.toPrecision(4))}</td><td>${sparkline(history)}</td></tr>`
    })}</tbody></table>
    ${rows.length === 0 ? html`<p class="muted">No runs yet.</p>` : ''}`
  return page('Tarmac runs', body)
}

const WIDTH = 160
const HEIGHT = 36

/** An inline SVG line chart of a metric's values by step (numbers only, so nothing here needs escaping). */
export function sparkline(points: MetricPoint[]) {
  if (points.length === 0) return html`<span class="muted">no data</span>`
  const steps = points.map((p) => p.step)
  const values = points.map((p) => p.value)
  const scale = (v: number, lo: number, hi: number, size: number) => (hi === lo ? size / 2 : ((v - lo) / (hi - lo)) * size)
  const [minStep, maxStep, minValue, maxValue] = [Math.min(...steps), Math.max(...steps), Math.min(...values), Math.max(...values)]
  const coords = points.map((p) => {
    const x = 2 + scale(p.step, minStep, maxStep, WIDTH - 4)
    const y = HEIGHT - 2 - scale(p.value, minValue, maxValue, HEIGHT - 4)
    return `${x.toFixed(1)},${y.toFixed(1)}`
  })
  const shape =
    coords.length === 1
      ? `<circle cx="${coords[0].split(',')[0]}" cy="${coords[0].split(',')[1]}" r="2"/>`
      : `<polyline points="${coords.join(' ')}"/>`
  return raw(`<svg width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img">${shape}</svg>`)
}

const HTTP_METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const

/** The routes of the OpenAPI document as a plain list. */
export function docsPage(doc: ReturnType<OpenAPIHono['getOpenAPIDocument']>) {
  const routes = Object.entries(doc.paths ?? {}).flatMap(([path, item]) =>
    HTTP_METHODS.flatMap((method) => {
      const operation = item[method]
      return operation ? [{ method: method.toUpperCase(), path, summary: operation.summary ?? '' }] : []
    }),
  )
  const body = html`<h1>${doc.info.title}</h1><p>Machine-readable: <a href="/openapi.json">/openapi.json</a> · <a href="/">runs</a></p>
    <table><thead><tr><th>method</th><th>path</th><th>what</th></tr></thead><tbody>
    ${routes.map((r) => html`<tr><td><code>${r.method}</code></td><td><code>${r.path}</code></td><td>${r.summary}</td></tr>`)}
    </tbody></table>`
  return page(doc.info.title, body)
}
