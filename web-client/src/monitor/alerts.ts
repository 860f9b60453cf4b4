/** The alerts table: one row per alert, newest activity first, as the Worker lists them. */
import type { AlertRecord } from './api.ts'
import { formatInstant } from './range.ts'

const num = (v: unknown) => (typeof v === 'number' ? String(Number(v.toFixed(4))) : Array.isArray(v) ? v.join(', ') : String(v))

/** The alert's detail as `key value` pairs, in the order the rule wrote them. */
function detailText(detail: Record<string, unknown>): string {
  return Object.entries(detail)
    .filter(([, v]) => v !== null && v !== undefined)
    .map(([k, v]) => `${k} ${num(v)}`)
    .join(' · ')
}

const when = (iso: string | null) => (iso === null ? '–' : formatInstant(Date.parse(iso)))

export function renderAlerts(body: HTMLTableSectionElement, alerts: readonly AlertRecord[]): void {
  body.replaceChildren(
    ...alerts.map((a) => {
      const tr = document.createElement('tr')
      tr.dataset.status = a.status
      const status = Object.assign(document.createElement('span'), { className: `badge ${a.status}`, textContent: a.status })
      const cells: (string | Node)[] = [
        status,
        a.rule,
        `v${a.version}`,
        detailText(a.detail),
        when(a.firstFired),
        when(a.lastSeen),
        when(a.resolvedAt),
      ]
      for (const cell of cells) tr.insertCell().append(cell)
      return tr
    }),
  )
}
