import type { FieldIssue } from '@tarmac/sdk/features'
import { routeDistance } from './airports.ts'
import { byId } from './dom.ts'
import type { RouteTable } from './routes.ts'

export const FIELDS = ['origin', 'destination', 'departedAt', 'distance'] as const
type Field = (typeof FIELDS)[number]

const LABELS: Record<Field, string> = { origin: 'Origin', destination: 'Destination', departedAt: 'Departure', distance: 'Distance' }

/** The form's values as a prediction request; the SDK validates them exactly as the Worker would. */
export interface RawInstance {
  origin: string
  destination: string
  departedAt: string
  distance: number
}

export interface FlightForm {
  read(): RawInstance
  showIssues(issues: readonly FieldIssue[]): void
  clearIssues(): void
  useRoutes(routes: RouteTable): void
  onSubmit(handler: () => void): void
  setBusy(busy: boolean): void
}

const input = (field: Field) => byId(field, HTMLInputElement)

export function bindForm(): FlightForm {
  const form = byId('predict-form', HTMLFormElement)
  const submit = byId('predict-button', HTMLButtonElement)
  const summary = byId('form-error', HTMLElement)
  const origins = byId('origins', HTMLDataListElement)
  const destinations = byId('destinations', HTMLDataListElement)
  const distanceHint = byId('distance-hint', HTMLElement)
  let routes: RouteTable = new Map()

  const options = (list: HTMLDataListElement, codes: readonly string[]) =>
    list.replaceChildren(...codes.map((code) => Object.assign(document.createElement('option'), { value: code })))

  const fillDistance = () => {
    const origin = input('origin').value.trim().toUpperCase()
    const destination = input('destination').value.trim().toUpperCase()
    options(destinations, routes.get(origin) ?? [...new Set([...routes.values()].flat())].sort())
    const miles = routeDistance(origin, destination)
    if (miles !== undefined) input('distance').value = String(miles)
    distanceHint.textContent =
      miles !== undefined ? `Great-circle distance ${origin}–${destination}.` : 'Enter the distance if the route is not in the table.'
  }
  if (input('departedAt').value === '') input('departedAt').value = tomorrowMorning()
  input('origin').addEventListener('change', fillDistance)
  input('destination').addEventListener('change', fillDistance)

  const api: FlightForm = {
    read() {
      const distance = input('distance').value.trim()
      const departedAt = input('departedAt').value
      return {
        origin: input('origin').value.trim().toUpperCase(),
        destination: input('destination').value.trim().toUpperCase(),
        // datetime-local omits seconds when they are zero
        departedAt: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(departedAt) ? `${departedAt}:00` : departedAt,
        distance: distance === '' ? Number.NaN : Number(distance),
      }
    },
    showIssues(issues) {
      api.clearIssues()
      const lines: string[] = []
      for (const issue of issues) {
        const field = FIELDS.find((f) => issue.field === f || issue.field.endsWith(`.${f}`))
        const label = field ? LABELS[field] : issue.field
        lines.push(`${label}: ${issue.message}`)
        if (!field) continue
        input(field).setAttribute('aria-invalid', 'true')
        byId(`${field}-error`, HTMLElement).textContent = issue.message
      }
      summary.textContent = `Please check the flight. ${lines.join('. ')}.`
      const first = FIELDS.find((f) => input(f).getAttribute('aria-invalid') === 'true')
      if (first) input(first).focus()
    },
    clearIssues() {
      summary.textContent = ''
      for (const field of FIELDS) {
        input(field).removeAttribute('aria-invalid')
        byId(`${field}-error`, HTMLElement).textContent = ''
      }
    },
    useRoutes(table) {
      routes = table
      options(origins, [...table.keys()])
      const [first] = table
      if (first && input('origin').value === '' && input('destination').value === '') {
        input('origin').value = first[0]
        input('destination').value = first[1][0]
      }
      fillDistance()
    },
    onSubmit(handler) {
      form.addEventListener('submit', (event) => {
        event.preventDefault()
        handler()
      })
    },
    setBusy(busy) {
      submit.disabled = busy
      form.setAttribute('aria-busy', String(busy))
    },
  }
  return api
}

/** datetime-local value of 08:30 tomorrow */
function tomorrowMorning(): string {
  const d = new Date(Date.now() + 86_400_000)
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T08:30`
}
