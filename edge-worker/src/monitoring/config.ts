import { RULES, type Rule, type Thresholds } from './rules.ts'

/** Monitoring vars, parsed per evaluation; bad values fall back to the defaults rather than failing the cron. */
export interface MonitoringConfig {
  windowHours: number
  /** a prediction window's realized performance is recomputed (and judged) until it is this old */
  maturityDays: number
  minRows: number
  rules: ReadonlySet<Rule>
  thresholds: Thresholds
  webhookUrl: string | null
}

export function monitoringConfigOf(env: Env): MonitoringConfig {
  const listed = (env.ALERT_RULES ?? '')
    .split(',')
    .map((r) => r.trim())
    .filter((r): r is Rule => (RULES as readonly string[]).includes(r))
  return {
    windowHours: Math.min(24 * 31, Math.max(1, Math.round(numberOr(env.DRIFT_WINDOW_HOURS, 24)))),
    maturityDays: Math.min(90, Math.max(0, numberOr(env.LABEL_MATURITY_DAYS, 7))),
    minRows: Math.max(1, numberOr(env.DRIFT_MIN_ROWS, 200)),
    // an unset or unparsable list keeps every rule on: silence must be chosen, not stumbled into
    rules: new Set(listed.length > 0 ? listed : RULES),
    thresholds: {
      aucTolerance: Math.max(0, numberOr(env.ALERT_AUC_TOLERANCE, 0.03)),
      minLabels: Math.max(1, numberOr(env.ALERT_MIN_LABELS, 500)),
      p99LatencyMs: Math.max(0, numberOr(env.ALERT_P99_LATENCY_MS, 250)),
      maxErrorRate: Math.max(0, numberOr(env.ALERT_MAX_ERROR_RATE, 0.01)),
    },
    webhookUrl: env.ALERT_WEBHOOK_URL?.trim() || null,
  }
}

function numberOr(value: string | undefined, fallback: number): number {
  const n = Number(value)
  return value !== undefined && value.trim() !== '' && Number.isFinite(n) ? n : fallback
}
