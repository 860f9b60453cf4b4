/** Per-feature drift: a summary list and one small chart per feature, each with its threshold line. */
import { type Chart, COLORS, renderChart } from './chart.ts'
import type { FeatureDriftSeries } from './series.ts'

const HEAD = ['window end (UTC)', 'method', 'value', 'threshold', 'verdict']

function summaryItem(s: FeatureDriftSeries): HTMLLIElement {
  const li = document.createElement('li')
  li.dataset.feature = s.feature
  li.dataset.drifted = String(s.drifted > 0)
  const name = Object.assign(document.createElement('strong'), { textContent: s.feature })
  const verdict = s.drifted > 0 ? `drifted in ${s.drifted} of ${s.windows} windows` : `no drift in ${s.windows} windows`
  li.append(name, ` ${verdict}`)
  return li
}

export function renderDrift(list: HTMLUListElement, grid: HTMLElement, features: readonly FeatureDriftSeries[]): Chart[] {
  list.replaceChildren(...features.map(summaryItem))
  grid.replaceChildren()
  return features.map((s) => {
    const cell = document.createElement('div')
    cell.className = 'cell'
    grid.appendChild(cell)
    const onP = s.thresholdOn === 'pValue'
    const what = onP ? `${s.method} p-value` : `${s.method} statistic`
    return renderChart(cell, {
      caption: `${s.feature} · ${what}${s.drifted > 0 ? ` · drifted ${s.drifted}/${s.windows}` : ''}`,
      summary: `${s.feature}: ${what} per window against its threshold; ${onP ? 'below' : 'at or above'} the threshold is drift. Drifted in ${s.drifted} of ${s.windows} windows.`,
      yLabel: onP ? 'p-value' : 'statistic',
      styles: [
        { label: what, color: s.drifted > 0 ? COLORS.red : COLORS.blue, kind: 'line' },
        { label: 'threshold', color: COLORS.grey, kind: 'threshold' },
      ],
      series: s,
      head: HEAD,
      height: 150,
    })
  })
}
