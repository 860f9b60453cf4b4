import { html } from 'hono/html'
import type { AliasEvent, GateResult, ModelVersion } from '../../db/schema.ts'
import type { ModelDetail, ModelSummary } from '../../registry/versions.ts'
import { formatBytes, formatNumber, formatTime, page, scrollRegion, shortId } from './layout.ts'

const aliasBadges = (aliases: string[]) => aliases.map((a) => html`<span class="badge">${a}</span>`)

const READ_ONLY_NOTE = html`<p class="note">This page is read-only. Aliases move with the CLI (<code>npx tarmac models promote &lt;name&gt; &lt;version&gt; --reason "…"</code>,
<code>npx tarmac models rollback &lt;name&gt; --reason "…"</code>) or the API's admin routes (<a href="/docs">API</a>), which need the admin key.</p>`

export function modelsPage(models: ModelSummary[]) {
  const body = html`<h1>Registered models</h1>${
    models.length === 0
      ? html`<p class="muted">No registered models yet: <code>npx tarmac train</code> registers one.</p>`
      : html`<table><caption class="visually-hidden">Registered models</caption><thead><tr><th scope="col">model</th><th scope="col">description</th><th scope="col" class="num">latest version</th><th scope="col">aliases</th><th scope="col">created</th></tr></thead><tbody>
${models.map(
  (
    m,
  ) => html`<tr><td><a href="/models/${encodeURIComponent(m.name)}">${m.name}</a></td><td>${m.description || html`<span class="muted">—</span>`}</td>
<td class="num">${m.latestVersion ?? '—'}</td><td>${Object.entries(m.aliases).map(([a, v]) => html`<span class="badge">${a} → v${v}</span>`)}</td><td>${formatTime(m.createdAt)}</td></tr>`,
)}</tbody></table>`
  }${READ_ONLY_NOTE}`
  return page('Models', 'models', body)
}

/** Gate results for a version: those recorded when it took an alias, else what the gates say now against the champion. */
export type VersionGates = { results: GateResult[]; source: string }

export type ModelPageData = {
  model: ModelDetail
  events: AliasEvent[]
  gates: Map<number, VersionGates>
  /** a monitoring page link for a version, when `tarmac serve` was told where the monitoring page is */
  monitorHref: (version: number) => string | null
}

const KEY_METRICS = [
  ['val_auc', 'val AUC'],
  ['baseline_auc', 'baseline AUC'],
  ['val_ece', 'ECE'],
  ['int8_size_bytes', 'int8 size'],
  ['latency_us', 'latency µs'],
] as const

function metricCell(v: ModelVersion, key: string) {
  const value = v.metrics[key]
  if (value === undefined) return '—'
  return key.endsWith('_bytes') ? formatBytes(value) : formatNumber(value)
}

function gateList(gates: VersionGates | undefined) {
  if (!gates) return html`<span class="muted">—</span>`
  return html`<ul class="gates">${gates.results.map(
    (g) =>
      html`<li><span class="${g.passed ? 'pass' : 'fail'}">${g.passed ? '✓ pass' : '✗ fail'}</span> <code>${g.gate}</code> <span class="muted">${g.detail}</span></li>`,
  )}</ul><span class="muted small">${gates.source}</span>`
}

const arrow = (e: AliasEvent) =>
  `${e.fromVersion === null ? '(unset)' : `v${e.fromVersion}`} → ${e.toVersion === null ? '(deleted)' : `v${e.toVersion}`}`

function timeline(events: AliasEvent[]) {
  if (events.length === 0) return html`<p class="muted">No alias has been set yet.</p>`
  return html`<ol class="timeline" aria-label="Alias history, newest first">${events.map(
    (e) => html`<li data-alias="${e.alias}" data-action="${e.action}"><time datetime="${e.at.toISOString()}">${formatTime(e.at)}</time>
— <span class="badge">${e.alias}</span> <strong>${e.action}</strong> ${arrow(e)}${e.forced ? html` <span class="fail">forced past failing gates</span>` : ''}
<br>by <strong class="actor">${e.actor}</strong>: <q class="reason">${e.reason}</q></li>`,
  )}</ol>`
}

export function modelPage({ model, events, gates, monitorHref }: ModelPageData) {
  const holders = new Map<number, string[]>()
  for (const [alias, version] of Object.entries(model.aliases)) holders.set(version, [...(holders.get(version) ?? []), alias])
  const body = html`<p class="muted"><a href="/models">Models</a> / ${model.name}</p>
<h1>${model.name}</h1>${model.description ? html`<p>${model.description}</p>` : ''}
<section aria-labelledby="aliases"><h2 id="aliases">Aliases</h2>${
    Object.keys(model.aliases).length === 0
      ? html`<p class="muted">No aliases.</p>`
      : html`<table><caption class="visually-hidden">Aliases</caption><thead><tr><th scope="col">alias</th><th scope="col">version</th></tr></thead><tbody>
${Object.entries(model.aliases).map(([a, v]) => html`<tr><th scope="row"><span class="badge">${a}</span></th><td><a href="#v${v}">version ${v}</a></td></tr>`)}</tbody></table>`
  }</section>
<section aria-labelledby="versions"><h2 id="versions">Versions</h2>
${scrollRegion(
  'Versions',
  html`<table class="versions"><caption class="visually-hidden">Versions, newest first</caption><thead><tr><th scope="col">version</th><th scope="col">aliases</th><th scope="col">run</th><th scope="col">data version</th><th scope="col">registered</th>
${KEY_METRICS.map(([, label]) => html`<th scope="col" class="num">${label}</th>`)}<th scope="col">promotion gates</th><th scope="col">monitoring</th></tr></thead><tbody>
${model.versions.map((v) => {
  const monitor = monitorHref(v.version)
  return html`<tr id="v${v.version}" data-version="${v.version}"><th scope="row">v${v.version}</th><td>${aliasBadges(holders.get(v.version) ?? [])}</td>
<td><a href="/runs/${encodeURIComponent(v.runId)}">run <code>${shortId(v.runId)}</code></a></td><td><code>${v.dataVersion ?? '—'}</code></td><td>${formatTime(v.createdAt)}</td>
${KEY_METRICS.map(([key]) => html`<td class="num">${metricCell(v, key)}</td>`)}
<td>${gateList(gates.get(v.version))}</td>
<td>${monitor ? html`<a href="${monitor}">monitoring v${v.version}</a>` : html`<span class="muted">not linked: start <code>tarmac serve --monitor-url</code></span>`}</td></tr>`
})}</tbody></table>`,
)}</section>
<section aria-labelledby="history"><h2 id="history">Alias history</h2>${timeline(events)}</section>
${READ_ONLY_NOTE}`
  return page(`Model ${model.name}`, 'models', body)
}
