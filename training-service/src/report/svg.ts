export interface Series {
  name: string
  points: [number, number][]
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf']
const W = 560
const H = 260
const PAD = { left: 56, right: 150, top: 28, bottom: 36 }

/** Text as XML/HTML character data or attribute value. */
export const escapeXml = (s: string) => s.replace(/[&<>"]/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot' }[c]};`)
const num = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : Number(x.toPrecision(3)).toString())

/** A self-contained line chart (no script, no external font): one line per series, legend on the right. */
export function lineChart(title: string, xLabel: string, series: Series[]): string {
  const all = series.flatMap((s) => s.points)
  const [x0, x1] = [Math.min(...all.map((p) => p[0])), Math.max(...all.map((p) => p[0]))]
  let [y0, y1] = [Math.min(...all.map((p) => p[1])), Math.max(...all.map((p) => p[1]))]
  if (y0 === y1) [y0, y1] = [y0 - 0.5, y1 + 0.5]
  const sx = (x: number) => PAD.left + ((x - x0) / (x1 - x0 || 1)) * (W - PAD.left - PAD.right)
  const sy = (y: number) => H - PAD.bottom - ((y - y0) / (y1 - y0)) * (H - PAD.top - PAD.bottom)
  const lines = series.map((s, i) => {
    const color = COLORS[i % COLORS.length]
    const d = s.points.map(([x, y], j) => `${j === 0 ? 'M' : 'L'}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ')
    const dots = s.points.map(([x, y]) => `<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="2.5" fill="${color}"/>`).join('')
    const ly = PAD.top + 14 * i
    return `<path d="${d}" fill="none" stroke="${color}" stroke-width="1.8"/>${dots}<rect x="${W - PAD.right + 10}" y="${ly - 8}" width="10" height="10" fill="${color}"/><text x="${W - PAD.right + 24}" y="${ly + 1}">${escapeXml(s.name)}</text>`
  })
  const ticks = [y0, (y0 + y1) / 2, y1].map((y) => `<text x="${PAD.left - 6}" y="${sy(y) + 4}" text-anchor="end">${num(y)}</text>`).join('')
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<text x="${PAD.left}" y="16" font-size="13" font-weight="bold">${escapeXml(title)}</text>`,
    `<path d="M${PAD.left},${PAD.top} V${H - PAD.bottom} H${W - PAD.right}" fill="none" stroke="#888"/>`,
    ticks,
    `<text x="${PAD.left}" y="${H - PAD.bottom + 16}" text-anchor="middle">${num(x0)}</text>`,
    `<text x="${W - PAD.right}" y="${H - PAD.bottom + 16}" text-anchor="middle">${num(x1)}</text>`,
    `<text x="${(PAD.left + W - PAD.right) / 2}" y="${H - 6}" text-anchor="middle">${escapeXml(xLabel)}</text>`,
    ...lines,
    '</svg>',
  ].join('\n')
}
