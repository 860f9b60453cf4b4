import { html } from 'hono/html'
import { formatNumber } from './layout.ts'

export type Point = { step: number; value: number }
export type Series = { label: string; points: Point[] }

// Series differ by colour AND dash pattern, so a reader who cannot tell the colours apart can still tell the lines.
const COLOURS = ['#0550ae', '#a40e26', '#116329', '#6639ba', '#7d4e00', '#1b7c83']
const DASHES = ['', '6 3', '2 3', '9 3 2 3', '1 2', '12 4']

const WIDTH = 520
const HEIGHT = 230
const MARGIN = { left: 58, right: 14, top: 12, bottom: 36 }

export const seriesStyle = (index: number) => ({ colour: COLOURS[index % COLOURS.length], dash: DASHES[index % DASHES.length] })

function ticks(lo: number, hi: number, count: number): number[] {
  if (hi === lo) return [lo]
  return Array.from({ length: count }, (_, i) => lo + ((hi - lo) * i) / (count - 1))
}

/** Whole steps to label on the x axis: all of them when few, else about six evenly spread. */
function stepTicks(lo: number, hi: number): number[] {
  if (hi - lo <= 10) return Array.from({ length: hi - lo + 1 }, (_, i) => lo + i)
  const every = Math.ceil((hi - lo) / 6)
  return Array.from({ length: Math.floor((hi - lo) / every) + 1 }, (_, i) => lo + i * every)
}

/**
 * A line chart of one metric by step as inline SVG: one line per series, axes with labelled ticks, a legend,
 * a text summary for screen readers and the values as a table under a disclosure.
 */
export function lineChart({ id, title, xLabel = 'epoch', series }: { id: string; title: string; xLabel?: string; series: Series[] }) {
  const all = series.flatMap((s) => s.points)
  const [minStep, maxStep] = [Math.min(...all.map((p) => p.step)), Math.max(...all.map((p) => p.step))]
  let [minValue, maxValue] = [Math.min(...all.map((p) => p.value)), Math.max(...all.map((p) => p.value))]
  const pad = (maxValue - minValue) * 0.05 || Math.abs(maxValue) * 0.05 || 1
  ;[minValue, maxValue] = [minValue - pad, maxValue + pad]
  const plotW = WIDTH - MARGIN.left - MARGIN.right
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom
  const x = (step: number) => MARGIN.left + (maxStep === minStep ? plotW / 2 : ((step - minStep) / (maxStep - minStep)) * plotW)
  const y = (value: number) => MARGIN.top + plotH - ((value - minValue) / (maxValue - minValue)) * plotH
  const f = (n: number) => n.toFixed(1)
  const summary = series
    .map(
      (s) =>
        `${s.label}: ${formatNumber(s.points[0]?.value)} at ${xLabel} ${s.points[0]?.step} to ${formatNumber(s.points.at(-1)?.value)} at ${xLabel} ${s.points.at(-1)?.step}`,
    )
    .join('; ')
  const steps = [...new Set(all.map((p) => p.step))].sort((a, b) => a - b)
  return html`<figure class="chart" data-metric="${title}">
<figcaption id="${id}-title">${title}</figcaption>
<svg width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-labelledby="${id}-title ${id}-desc">
<desc id="${id}-desc">${title} by ${xLabel}. ${summary}</desc>
<g stroke="#d0d7de" stroke-width="1">${ticks(minValue, maxValue, 5).map((v) => html`<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${f(y(v))}" y2="${f(y(v))}"/>`)}</g>
<g fill="#57606a" font-size="11" font-family="system-ui,sans-serif">
${ticks(minValue, maxValue, 5).map((v) => html`<text x="${MARGIN.left - 6}" y="${f(y(v) + 4)}" text-anchor="end">${formatNumber(v)}</text>`)}
${stepTicks(minStep, maxStep).map((s) => html`<text x="${f(x(s))}" y="${HEIGHT - MARGIN.bottom + 15}" text-anchor="middle">${s}</text>`)}
<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 4}" text-anchor="middle">${xLabel}</text>
</g>
<line x1="${MARGIN.left}" x2="${MARGIN.left}" y1="${MARGIN.top}" y2="${MARGIN.top + plotH}" stroke="#57606a"/>
<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${MARGIN.top + plotH}" y2="${MARGIN.top + plotH}" stroke="#57606a"/>
${series.map((s, i) => {
  const { colour, dash } = seriesStyle(i)
  const coords = s.points.map((p) => `${f(x(p.step))},${f(y(p.value))}`).join(' ')
  return html`<g class="series" data-series="${s.label}" stroke="${colour}" fill="${colour}">
<polyline points="${coords}" fill="none" stroke-width="2"${dash ? html` stroke-dasharray="${dash}"` : ''}/>
${s.points.map((p) => html`<circle cx="${f(x(p.step))}" cy="${f(y(p.value))}" r="3"/>`)}</g>`
})}
</svg>
${series.length > 1 ? legend(series) : ''}
<details><summary>Values<span class="visually-hidden"> of ${title}</span></summary>
<table><thead><tr><th scope="col">${xLabel}</th>${series.map((s) => html`<th scope="col" class="num">${s.label}</th>`)}</tr></thead>
<tbody>${steps.map(
    (step) =>
      html`<tr><th scope="row" class="num">${step}</th>${series.map((s) => html`<td class="num">${formatNumber(s.points.find((p) => p.step === step)?.value)}</td>`)}</tr>`,
  )}</tbody></table></details>
</figure>`
}

function legend(series: Series[]) {
  return html`<ul class="legend">${series.map((s, i) => {
    const { colour, dash } = seriesStyle(i)
    return html`<li><svg width="28" height="10" aria-hidden="true"><line x1="1" x2="27" y1="5" y2="5" stroke="${colour}" stroke-width="2"${dash ? html` stroke-dasharray="${dash}"` : ''}/></svg>${s.label}</li>`
  })}</ul>`
}
