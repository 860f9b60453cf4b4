import { html } from 'hono/html'
import type { ModelVersion } from '../../db/schema.ts'
import type { MetricPoint, RunDetail, RunSummary } from '../../tracking/queries.ts'
import type { ModelFile, StoredManifest } from '../manifests.ts'
import { lineChart } from './chart.ts'
import {
  formatBytes,
  formatDuration,
  formatNumber,
  formatTime,
  keyValueTable,
  modelVersionHref,
  page,
  runLink,
  shortId,
  statusBadge,
} from './layout.ts'
import { dataVersionOf, durationMs } from './run-search.ts'

export type RunPageData = {
  run: RunDetail
  parent: RunSummary | null
  trials: (RunSummary & { metrics: Record<string, number> })[]
  /** the series with more than one step: the per-epoch curves */
  curves: { key: string; points: MetricPoint[] }[]
  /** the model versions this run registered, with their manifest when it is stored */
  versions: { version: ModelVersion; stored: StoredManifest | null }[]
}

type Windows = Record<string, { from: string; to: string }>

function parseWindows(text: string | undefined): Windows | null {
  if (text === undefined) return null
  try {
    const value: unknown = JSON.parse(text)
    if (typeof value !== 'object' || value === null) return null
    const entries = Object.entries(value).filter(
      (e): e is [string, { from: string; to: string }] => typeof e[1]?.from === 'string' && typeof e[1]?.to === 'string',
    )
    return entries.length > 0 ? Object.fromEntries(entries) : null
  } catch {
    return null
  }
}

/** Data version, its windows and row counts, the sweep around the run and the model it registered. */
function lineage({ run, parent, trials, versions }: RunPageData) {
  const windows = parseWindows(run.params.windows)
  const referenceRows = versions.find((v) => v.stored)?.stored?.manifest.referenceProfile.count
  const dataVersion = dataVersionOf(run) ?? versions[0]?.version.dataVersion ?? null
  return html`<section aria-labelledby="lineage"><h2 id="lineage">Lineage</h2><dl class="facts">
<dt>data version</dt><dd><code>${dataVersion ?? '—'}</code>${run.params.data ? html` <span class="muted">from <code>${run.params.data}</code></span>` : ''}</dd>
${
  windows
    ? html`<dt>windows</dt><dd><table><caption class="visually-hidden">Data windows</caption><thead><tr><th scope="col">window</th><th scope="col">from</th><th scope="col">to (exclusive)</th></tr></thead>
<tbody>${Object.entries(windows).map(([name, w]) => html`<tr><th scope="row">${name}</th><td>${w.from}</td><td>${w.to}</td></tr>`)}</tbody></table></dd>`
    : ''
}
${run.params.train_rows ? html`<dt>training rows</dt><dd>${Number.isFinite(Number(run.params.train_rows)) ? formatNumber(Number(run.params.train_rows)) : run.params.train_rows} <span class="muted">(sampled from the train window)</span></dd>` : ''}
${referenceRows !== undefined ? html`<dt>validation rows</dt><dd>${formatNumber(referenceRows)} <span class="muted">(the validate window, as profiled for drift)</span></dd>` : ''}
<dt>parent run</dt><dd>${parent ? runLink(parent) : html`<span class="muted">none: a top-level run</span>`}</dd>
<dt>registered</dt><dd>${
    versions.length > 0
      ? versions.map(
          ({ version: v }) => html`<a href="${modelVersionHref(v.modelName, v.version)}">${v.modelName} version ${v.version}</a> `,
        )
      : run.tags.model_version
        ? html`<code>${run.tags.model_version}</code>`
        : html`<span class="muted">no model version</span>`
  }</dd>
${trials.length > 0 ? html`<dt>sweep</dt><dd>${trials.length} trial${trials.length === 1 ? '' : 's'} (below)</dd>` : ''}
</dl></section>`
}

function trialsTable(trials: RunPageData['trials']) {
  if (trials.length === 0) return ''
  const keys = ['val_auc', 'best_epoch', 'seconds'].filter((k) => trials.some((t) => k in t.metrics))
  return html`<section aria-labelledby="trials"><h2 id="trials">Trials</h2>
<form method="get" action="/compare"><table><caption class="visually-hidden">Trials of this sweep</caption><thead><tr><th scope="col"><span class="visually-hidden">select</span></th><th scope="col">trial</th><th scope="col">status</th>
${keys.map((k) => html`<th scope="col" class="num">${k}</th>`)}</tr></thead><tbody>
${trials.map(
  (
    t,
  ) => html`<tr><td><input type="checkbox" name="run" value="${t.id}" id="trial-${t.id}" checked><label class="visually-hidden" for="trial-${t.id}">compare ${t.name}</label></td>
<td>${runLink(t)}</td><td>${statusBadge(t.status)}</td>${keys.map((k) => html`<td class="num">${formatNumber(t.metrics[k])}</td>`)}</tr>`,
)}</tbody></table><button type="submit">Compare selected trials</button></form></section>`
}

/** A version's file as a row of the artifacts table, downloaded through the model files route. */
function versionFile(v: ModelVersion, f: ModelFile) {
  return {
    path: f.file,
    from: `${v.modelName} version ${v.version}`,
    size: f.size,
    sha256: f.sha256,
    href: `/api/v1/models/${encodeURIComponent(v.modelName)}/versions/${v.version}/files/${f.file}`,
  }
}

function artifacts({ run, versions }: RunPageData) {
  const rows = [
    ...run.artifacts.map((a) => ({
      path: a.path,
      from: 'logged by the run',
      size: a.size,
      sha256: a.sha256,
      href: `/api/v1/runs/${encodeURIComponent(run.id)}/artifact?path=${encodeURIComponent(a.path)}`,
    })),
    ...versions.flatMap(({ version: v, stored }) =>
      (stored?.files ?? []).filter((f) => f.origin === undefined).map((f) => versionFile(v, f)),
    ),
  ]
  // one tables shard per origin airport: hundreds of rows, folded under their version
  const shards = versions
    .map(({ version: v, stored }) => ({ v, files: (stored?.files ?? []).filter((f) => f.origin !== undefined) }))
    .filter((s) => s.files.length > 0)
  return html`<section aria-labelledby="artifacts"><h2 id="artifacts">Artifacts</h2>${
    rows.length === 0
      ? html`<p class="muted">This run stored no artifacts.</p>`
      : html`<table class="artifacts"><caption class="visually-hidden">Artifacts</caption><thead><tr><th scope="col">file</th><th scope="col">from</th><th scope="col" class="num">size</th><th scope="col">sha256</th></tr></thead><tbody>
${rows.map(
  (a) => html`<tr><td><a href="${a.href}" download="${a.path.split('/').at(-1)}">${a.path}</a></td><td>${a.from}</td>
<td class="num" data-bytes="${a.size}">${formatBytes(a.size)}</td><td><code>${a.sha256}</code></td></tr>`,
)}</tbody></table>${shards.map(
          ({
            v,
            files,
          }) => html`<details class="shards" data-version="${v.version}"><summary>${v.modelName} version ${v.version}: ${files.length} encoder shards, one per origin airport (${formatBytes(files.reduce((n, f) => n + f.size, 0))})</summary>
<ul>${files.map((f) => {
            const a = versionFile(v, f)
            return html`<li><a href="${a.href}" download="${a.path}" data-bytes="${a.size}" data-sha256="${a.sha256}">${a.path}</a></li>`
          })}</ul></details>`,
        )}`
  }</section>`
}

export function runPage(data: RunPageData) {
  const { run, curves } = data
  const env = Object.entries(run.environment ?? {})
  const body = html`<p class="muted"><a href="/">Runs</a> / ${data.parent ? html`${runLink(data.parent)} / ` : ''}${run.name}</p>
<h1>${run.name} ${statusBadge(run.status)}</h1>
<dl class="facts">
<dt>run id</dt><dd><code>${run.id}</code></dd><dt>experiment</dt><dd><a href="/?experiment=${encodeURIComponent(run.experiment)}">${run.experiment}</a></dd>
<dt>started</dt><dd>${formatTime(run.startedAt)}</dd><dt>ended</dt><dd>${formatTime(run.endedAt)}</dd>
<dt>duration</dt><dd>${formatDuration(durationMs(run))}</dd>
<dt>git commit</dt><dd><code>${run.gitCommit ?? '—'}</code></dd><dt>seed</dt><dd>${run.seed ?? '—'}</dd>
${env.length > 0 ? html`<dt>environment</dt><dd>${env.map(([k, v]) => html`<code>${k}=${v}</code> `)}</dd>` : ''}
${run.error ? html`<dt>error</dt><dd class="fail">${run.error}</dd>` : ''}
</dl>
<p><a href="/compare?run=${encodeURIComponent(run.id)}${data.parent ? '' : data.trials.map((t) => `&run=${encodeURIComponent(t.id)}`).join('')}">Compare${data.trials.length > 0 ? ' its trials' : ''}…</a></p>
<section aria-labelledby="curves"><h2 id="curves">Metric curves</h2>${
    curves.length === 0
      ? html`<p class="muted">No metric has more than one step.</p>`
      : html`<div class="charts">${curves.map((c, i) => lineChart({ id: `curve-${i}`, title: c.key, series: [{ label: `${run.name} ${shortId(run.id)}`, points: c.points }] }))}</div>`
  }</section>
<section aria-labelledby="metrics"><h2 id="metrics">Final metrics</h2>${keyValueTable(
    'Final metrics',
    Object.entries(run.metrics).map(([k, v]) => [k, formatNumber(v)]),
    'No metrics logged.',
  )}</section>
<section aria-labelledby="params"><h2 id="params">Params</h2>${keyValueTable(
    'Params',
    Object.entries(run.params).map(([k, v]) => [k, html`<code>${v}</code>`]),
    'No params logged.',
  )}</section>
${lineage(data)}
${trialsTable(data.trials)}
${artifacts(data)}
<section aria-labelledby="tags"><h2 id="tags">Tags</h2>${keyValueTable(
    'Tags',
    Object.entries(run.tags).map(([k, v]) => [k, html`<code>${v}</code>`]),
    'No tags.',
  )}</section>`
  return page(`Run ${run.name}`, 'runs', body)
}
