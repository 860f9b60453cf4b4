import { html } from 'hono/html'
import type { Experiment } from '../../db/schema.ts'
import { formatDuration, formatNumber, formatTime, page, runLink, scrollRegion, shortId, statusBadge } from './layout.ts'
import type { RunRow } from './queries.ts'
import {
  type Clause,
  dataVersionOf,
  durationMs,
  type Field,
  fieldName,
  fieldValue,
  type RunGroup,
  SORT_ATTRIBUTES,
  type Sort,
  sortName,
} from './run-search.ts'

export type RunsView = {
  experiments: (Experiment & { runs: number })[]
  experiment: string
  filter: string
  clauses: Clause[]
  sort: Sort
  groups: RunGroup[]
  /** every metric and param key among the runs read, for the sort menu */
  metricKeys: string[]
  paramKeys: string[]
  /** set when the filter or sort could not be read: the page says why instead of showing runs */
  error?: string
}

const DEFAULT_COLUMNS: Field[] = [{ kind: 'metrics', key: 'val_auc' }]

/** The value columns: val_auc, the sort key and every field the filter mentions, each once. */
function valueColumns(view: RunsView): Field[] {
  const fields = [...DEFAULT_COLUMNS, ...('key' in view.sort.key ? [view.sort.key] : []), ...view.clauses.map((c) => c.field)]
  return fields.filter((f, i) => f.kind !== 'attribute' && fields.findIndex((g) => fieldName(g) === fieldName(f)) === i)
}

/** Who or what started a run: a sweep for its trials, else the user and host the run recorded. */
function startedBy(run: RunRow, parent: RunRow | null) {
  if (parent) return html`sweep <code>${shortId(parent.id)}</code>`
  const env = run.environment ?? {}
  const who = [env.user, env.host].filter(Boolean).join('@')
  const resumed = run.tags.resumed_from ? html`<br><span class="muted">resumed ${shortId(run.tags.resumed_from)}</span>` : ''
  return who
    ? html`${who}${env.pid ? html` <span class="muted">pid ${env.pid}</span>` : ''}${resumed}`
    : html`<span class="muted">—</span>${resumed}`
}

function row(run: RunRow, columns: Field[], options: { parent: RunRow | null; context: boolean; trials?: number }) {
  const { parent, context, trials } = options
  const classes = [parent ? 'trial' : 'parent', context ? 'context' : ''].filter(Boolean).join(' ')
  const value = (field: Field) => {
    const v = fieldValue(run, field)
    return typeof v === 'number' ? formatNumber(v) : (v ?? '—')
  }
  return html`<tr class="${classes}" data-run-id="${run.id}"${parent ? html` data-parent-id="${parent.id}"` : ''}>
<td><input type="checkbox" name="run" value="${run.id}" id="pick-${run.id}"><label class="visually-hidden" for="pick-${run.id}">compare ${run.name} ${shortId(run.id)}</label></td>
<td class="name">${runLink(run)}${trials ? html` <span class="muted">· ${trials} trial${trials === 1 ? '' : 's'}</span>` : ''}</td>
<td>${run.experiment}</td><td>${statusBadge(run.status)}</td><td class="nowrap">${formatTime(run.startedAt)}</td>
<td class="num nowrap">${formatDuration(durationMs(run))}</td>
<td><code>${dataVersionOf(run) ?? (parent ? dataVersionOf(parent) : null) ?? '—'}</code></td>
<td><code>${(run.gitCommit ?? parent?.gitCommit)?.slice(0, 8) ?? '—'}</code></td>
<td>${startedBy(run, parent)}</td>
${columns.map((f) => html`<td class="num">${value(f)}</td>`)}
</tr>`
}

function controls(view: RunsView) {
  const current = sortName(view.sort.key)
  const option = (value: string, label = value) =>
    html`<option value="${value}"${value === current ? html` selected` : ''}>${label}</option>`
  return html`<form class="controls" method="get" action="/" role="search" aria-label="Filter and sort runs">
<label>experiment<select name="experiment"><option value="">all experiments</option>
${view.experiments.map((e) => html`<option value="${e.name}"${e.name === view.experiment ? html` selected` : ''}>${e.name} (${e.runs})</option>`)}
</select></label>
<label>filter<input name="filter" value="${view.filter}" placeholder="metrics.val_auc > 0.8 and params.family = mlp" aria-describedby="filter-help"></label>
<label>sort by<select name="sort">
<optgroup label="run">${SORT_ATTRIBUTES.map((a) => option(a))}</optgroup>
<optgroup label="metrics">${view.metricKeys.map((k) => option(`metrics.${k}`))}</optgroup>
<optgroup label="params">${view.paramKeys.map((k) => option(`params.${k}`))}</optgroup>
</select></label>
<label>order<select name="order">${(['desc', 'asc'] as const).map(
    (o) =>
      html`<option value="${o}"${(o === 'desc') === view.sort.descending ? html` selected` : ''}>${o === 'desc' ? 'descending' : 'ascending'}</option>`,
  )}</select></label>
<button type="submit">Apply</button></form>
<p id="filter-help" class="muted">Filter with MLflow's syntax: <code>metrics.&lt;key&gt;</code>, <code>params.&lt;key&gt;</code>, <code>tags.&lt;key&gt;</code>, or
<code>name</code>, <code>status</code>, <code>data_version</code>, <code>git_commit</code>; operators <code>= != &lt; &lt;= &gt; &gt;=</code> and <code>~</code> (contains); clauses joined by <code>and</code>.</p>`
}

export function runsPage(view: RunsView) {
  const columns = valueColumns(view)
  const shown = view.groups.reduce((n, g) => n + 1 + g.trials.length, 0)
  const table = html`<form method="get" action="/compare" aria-label="Compare runs">
<p><button type="submit">Compare selected runs</button> <span class="muted">${shown} run${shown === 1 ? '' : 's'} shown; trials of a sweep are listed under the run that started it.</span></p>
${scrollRegion(
  'Runs',
  html`<table class="runs"><caption class="visually-hidden">Runs, sorted by ${sortName(view.sort.key)} ${view.sort.descending ? 'descending' : 'ascending'}</caption>
<thead><tr><th scope="col"><span class="visually-hidden">select</span></th><th scope="col">run</th><th scope="col">experiment</th><th scope="col">status</th>
<th scope="col">started</th><th scope="col" class="num">duration</th><th scope="col">data version</th><th scope="col">git commit</th><th scope="col">started by</th>
${columns.map((f) => html`<th scope="col" class="num">${fieldName(f)}</th>`)}</tr></thead>
${view.groups.map(
  (g) => html`<tbody class="group">${row(g.run, columns, { parent: null, context: !g.matched, trials: g.trials.length })}
${g.trials.map((t) => row(t, columns, { parent: g.run, context: false }))}</tbody>`,
)}
</table>`,
)}</form>`
  const body = html`<h1>Runs</h1>${controls(view)}
${view.error ? html`<p class="error" role="alert">${view.error}</p>` : view.groups.length === 0 ? html`<p class="muted">No runs match.</p>` : table}`
  return page('Runs', 'runs', body)
}
