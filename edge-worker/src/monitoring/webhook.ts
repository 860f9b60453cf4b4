/** Slack-compatible delivery of alert changes, with a bounded retry; failures are returned, never thrown. */
import type { Alert, AlertChange } from './rules.ts'
import { iso } from './window.ts'

export interface AlertMessage {
  text: string
  blocks: Array<Record<string, unknown>>
  /** machine-readable copy for receivers other than Slack */
  tarmac: { event: 'alert.fired' | 'alert.resolved'; alert: AlertView }
}

export type AlertView = Omit<Alert, 'firstFired' | 'lastSeen' | 'resolvedAt'> & {
  firstFired: string
  lastSeen: string
  resolvedAt: string | null
}

export function alertView(a: Alert): AlertView {
  return { ...a, firstFired: iso(a.firstFired), lastSeen: iso(a.lastSeen), resolvedAt: a.resolvedAt === null ? null : iso(a.resolvedAt) }
}

function summary(a: Alert): string {
  const d = a.detail
  const num = (v: unknown) => (typeof v === 'number' ? Number(v.toFixed(4)) : String(v))
  switch (a.rule) {
    case 'dataset_drift':
      return `drifted features: ${(d.drifted as string[] | undefined)?.join(', ') || 'none'} (share ${num(d.driftedShare)})`
    case 'prediction_drift':
      return `prediction ${d.method} ${num(d.statistic)} (threshold ${num(d.threshold)} on ${d.thresholdOn})`
    case 'realized_auc':
      return `realized AUC ${num(d.realizedAuc)} vs val_auc ${num(d.baselineAuc)} − ${num(d.tolerance)} on ${d.labels} labels`
    case 'calibration_error':
      return `ECE ${num(d.ece)} (bound ${num(d.bound)}) on ${d.labels} labels`
    case 'latency_p99':
      return `p99 latency ${num(d.p99Ms)} ms (budget ${num(d.budgetMs)} ms)`
    case 'error_rate':
      return `error rate ${num(d.errorRate)} (bound ${num(d.bound)})`
  }
}

export function alertMessage(change: AlertChange & { kind: 'fired' | 'resolved' }): AlertMessage {
  const a = change.alert
  const state = change.kind === 'fired' ? 'FIRING' : 'RESOLVED'
  const what = summary(a)
  return {
    text: `[${state}] ${a.rule} on ${a.model} v${a.version}: ${what}`,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*${state}* \`${a.rule}\` on *${a.model}* v${a.version}\n${what}` } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `alert ${a.id} · first fired ${iso(a.firstFired)}` }] },
    ],
    tarmac: { event: change.kind === 'fired' ? 'alert.fired' : 'alert.resolved', alert: alertView(a) },
  }
}

export interface Delivery {
  ok: boolean
  attempts: number
  error?: string
}

export interface RetryOptions {
  attempts?: number
  backoffMs?: number
  timeoutMs?: number
}

/** POSTs the message; retries network errors, 429 and 5xx with exponential backoff, gives up on other 4xx. */
export async function deliver(url: string, message: AlertMessage, options: RetryOptions = {}): Promise<Delivery> {
  const { attempts = 3, backoffMs = 250, timeoutMs = 5000 } = options
  let error = ''
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(message),
        signal: AbortSignal.timeout(timeoutMs),
      })
      // the body is unused, but an unread body holds the connection open in workerd
      await res.body?.cancel()
      if (res.ok) return { ok: true, attempts: attempt }
      error = `HTTP ${res.status}`
      if (res.status < 500 && res.status !== 429) return { ok: false, attempts: attempt, error }
    } catch (e) {
      error = e instanceof Error ? e.message : String(e)
    }
    if (attempt < attempts) await new Promise((r) => setTimeout(r, backoffMs * 2 ** (attempt - 1)))
  }
  return { ok: false, attempts, error }
}
