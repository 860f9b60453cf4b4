import { html } from 'hono/html'
import type { MetricPoint, RunComparison, RunDetail } from '../../tracking/queries.ts'
import { lineChart } from './chart.ts'
import { formatDuration, formatNumber, page, runLink, shortId, statusBadge } from './layout.ts'
import { durationMs } from './run-search.ts'

export type CompareData = {
  runs: RunDetail[]
  comparison: RunComparison
  /** per metric with more than one step in some run: each run's series (empty when it has none) */
  curves: { key: string; histories: MetricPoint[][] }[]
  onlyDifferences: boolean
}

/** At most this many runs side by side: beyond it neither the table nor the overlaid curves stay readable. */
export const MAX_COMPARED = 8

const label = (run: RunDetail) => `${run.name} ${shortId(run.id)}`

export function compareHelpPage(message?: string) {
  const body = html`<h1>Compare runs</h1>
${message ? html`<p class="error" role="alert">${message}</p>` : ''}
<p>Tick two or more runs on the <a href="/">Runs</a> page (or the trials on a sweep's run page) and choose <strong>Compare</strong>.
Params are shown side by side with differences marked, metric curves overlaid, and final metrics in one table.</p>`
  return page('Compare runs', 'compare', body)
}

export function comparePage({ runs, comparison, curves, onlyDifferences }: CompareData) {
  const head = html`<thead><tr><th scope="col">key</th>${runs.map((r) => html`<th scope="col">${runLink(r)}</th>`)}</tr></thead>`
  const params = comparison.params.filter((p) => p.differs || !onlyDifferences)
  const differing = comparison.params.filter((p) => p.differs).length
  const toggle = new URLSearchParams(runs.map((r): [string, string] => ['run', r.id]))
  if (!onlyDifferences) toggle.set('diff', '1')
  const body = html`<h1>Compare ${runs.length} runs</h1>
<table><caption class="visually-hidden">Runs compared</caption>${head}<tbody>
<tr><th scope="row">status</th>${runs.map((r) => html`<td>${statusBadge(r.status)}</td>`)}</tr>
<tr><th scope="row">experiment</th>${runs.map((r) => html`<td>${r.experiment}</td>`)}</tr>
<tr><th scope="row">duration</th>${runs.map((r) => html`<td>${formatDuration(durationMs(r))}</td>`)}</tr>
</tbody></table>
<section aria-labelledby="params"><h2 id="params">Params</h2>
<p>${differing} of ${comparison.params.length} params differ, marked ≠ and highlighted.
<a href="/compare?${toggle.toString()}">${onlyDifferences ? 'Show all params' : 'Show only differences'}</a></p>
<table class="params"><caption class="visually-hidden">Params side by side</caption>${head}<tbody>
${params.map(
  (
    p,
  ) => html`<tr class="${p.differs ? 'differs' : 'same'}" data-param="${p.key}"><th scope="row"><code>${p.key}</code>${p.differs ? html` <span aria-label="differs">≠</span>` : ''}</th>
${p.values.map((v) => html`<td><code>${v ?? '—'}</code></td>`)}</tr>`,
)}</tbody></table></section>
<section aria-labelledby="curves"><h2 id="curves">Metric curves</h2>${
    curves.length === 0
      ? html`<p class="muted">None of these runs has a metric with more than one step.</p>`
      : html`<div class="charts">${curves.map((c, i) =>
          lineChart({
            id: `overlay-${i}`,
            title: c.key,
            series: c.histories.flatMap((points, r) => (points.length > 0 ? [{ label: label(runs[r]), points }] : [])),
          }),
        )}</div>`
  }</section>
<section aria-labelledby="metrics"><h2 id="metrics">Final metrics</h2>
<table class="metrics"><caption class="visually-hidden">Final metrics side by side</caption>${head}<tbody>
${comparison.metrics.map((m) => {
  const present = m.values.filter((v): v is number => v !== null)
  // bold only where the runs differ
  const best = new Set(present).size > 1 ? Math.max(...present) : null
  return html`<tr data-metric="${m.key}"><th scope="row"><code>${m.key}</code></th>${m.values.map(
    (v) => html`<td class="num">${v !== null && v === best ? html`<strong>${formatNumber(v)}</strong>` : formatNumber(v)}</td>`,
  )}</tr>`
})}</tbody></table><p class="muted">The highest value of each metric is in bold (higher is not better for every metric: losses, sizes, latency).</p></section>`
  return page(`Compare ${runs.map((r) => r.name).join(', ')}`, 'compare', body)
}
