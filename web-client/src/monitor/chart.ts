/** A uPlot chart inside an accessible figure: caption, an image role with a summary, and the data as a table. */
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'
import type { Series } from './series.ts'

export interface SeriesStyle {
  label: string
  color: string
  kind: 'line' | 'bars' | 'threshold'
  /** bars side by side: -1 left of the x value, 1 right of it */
  align?: -1 | 1
}

export interface ChartSpec {
  caption: string
  /** what a screen reader hears for the plot itself */
  summary: string
  yLabel: string
  /** x is time (seconds) unless categorical labels are given */
  xLabels?: readonly string[]
  xLabel?: string
  styles: readonly SeriesStyle[]
  series: Series
  /** table header: the x column, then one per table cell */
  head: readonly string[]
  height: number
  /** a fixed y range, e.g. [0, 1] for AUC */
  yRange?: [number, number]
}

export interface Chart {
  destroy(): void
}

/** Okabe–Ito colours: told apart with the common colour-vision deficiencies, readable on light and dark. */
export const COLORS = { blue: '#0072b2', orange: '#e69f00', green: '#009e73', red: '#d55e00', grey: '#8c959f', purple: '#cc79a7' }

const cssVar = (name: string) => getComputedStyle(document.documentElement).getPropertyValue(name).trim()

function seriesOptions(style: SeriesStyle): uPlot.Series {
  const base = { label: style.label, stroke: style.color, width: 2, spanGaps: false }
  if (style.kind === 'bars') {
    const size: [number, number] = style.align ? [0.4, Number.POSITIVE_INFINITY] : [0.8, Number.POSITIVE_INFINITY]
    return {
      ...base,
      fill: `${style.color}cc`,
      width: 0,
      paths: uPlot.paths.bars?.({ size, align: style.align ?? 0 }),
      points: { show: false },
    }
  }
  if (style.kind === 'threshold') return { ...base, width: 1.5, dash: [6, 4], points: { show: false } }
  return { ...base, points: { show: true, size: 5 } }
}

function table(spec: ChartSpec): HTMLDetailsElement {
  const details = document.createElement('details')
  const summary = document.createElement('summary')
  summary.textContent = 'Data table'
  const t = document.createElement('table')
  const head = t.createTHead().insertRow()
  for (const h of spec.head) head.appendChild(Object.assign(document.createElement('th'), { scope: 'col', textContent: h }))
  const body = t.createTBody()
  for (const row of spec.series.rows) {
    const tr = body.insertRow()
    row.forEach((cell, i) => {
      const el = document.createElement(i === 0 ? 'th' : 'td')
      if (i === 0) el.setAttribute('scope', 'row')
      el.textContent = cell
      tr.appendChild(el)
    })
  }
  details.append(summary, t)
  return details
}

function options(spec: ChartSpec, width: number): uPlot.Options {
  const fg = cssVar('--fg')
  const grid = { stroke: cssVar('--line'), width: 1 }
  const axis = { stroke: fg, grid, ticks: grid, font: '12px system-ui, sans-serif', labelFont: '12px system-ui, sans-serif' }
  const labels = spec.xLabels
  const xAxis: uPlot.Axis = labels
    ? {
        ...axis,
        label: spec.xLabel,
        values: (_u, splits) => splits.map((i) => (Number.isInteger(i) ? (labels[i]?.split('–')[0] ?? '') : '')),
      }
    : { ...axis, label: spec.xLabel }
  return {
    width,
    height: spec.height,
    // replays date telemetry in their own past: a fixed zone keeps axes and tables (UTC) in agreement
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
    scales: {
      x: labels ? { time: false, range: [-0.5, labels.length - 0.5] } : { time: true },
      y: spec.yRange ? { range: spec.yRange } : { range: (_u, min, max) => [Math.min(0, min), max > 0 ? max * 1.1 : 1] },
    },
    axes: [xAxis, { ...axis, label: spec.yLabel, size: 56 }],
    series: [{ label: labels ? 'bin' : 'time (UTC)' }, ...spec.styles.map(seriesOptions)],
    cursor: { drag: { x: false, y: false } },
    legend: { live: true },
  }
}

/** Renders into `host` (emptied first), sized to its width and kept so as the layout changes. */
export function renderChart(host: HTMLElement, spec: ChartSpec): Chart {
  const figure = document.createElement('figure')
  figure.className = 'chart'
  const caption = Object.assign(document.createElement('figcaption'), { textContent: spec.caption })
  const plot = document.createElement('div')
  plot.className = 'plot'
  plot.setAttribute('role', 'img')
  plot.setAttribute('aria-label', spec.summary)
  figure.append(caption, plot, table(spec))
  host.replaceChildren(figure)
  const u = new uPlot(options(spec, plot.clientWidth), spec.series.columns as uPlot.AlignedData, plot)
  const resize = new ResizeObserver(() => {
    if (plot.clientWidth > 0 && plot.clientWidth !== u.width) u.setSize({ width: plot.clientWidth, height: spec.height })
  })
  resize.observe(plot)
  return {
    destroy() {
      resize.disconnect()
      u.destroy()
    },
  }
}

/** The same figure shell with a message instead of a plot, so the layout keeps its place. */
export function renderEmpty(host: HTMLElement, caption: string, message: string): void {
  const figure = document.createElement('figure')
  figure.className = 'chart'
  const text = Object.assign(document.createElement('p'), { className: 'empty', textContent: message })
  figure.append(Object.assign(document.createElement('figcaption'), { textContent: caption }), text)
  host.replaceChildren(figure)
}
