/** Alert rules and alert state changes: pure functions of one window's evaluation and the open alerts. */
import { ALERT_RULES, type AlertRule } from '@tarmac/sdk/contracts/monitoring'
import type { DriftReport } from '@tarmac/sdk/drift'

export const RULES = ALERT_RULES
export type Rule = AlertRule

export interface Thresholds {
  /** realized AUC fires below baseline − tolerance */
  aucTolerance: number
  /** realized AUC is only judged on at least this many labels */
  minLabels: number
  p99LatencyMs: number
  maxErrorRate: number
}

/** What the rules look at for one (model, version, window). */
export interface WindowSignals {
  /** null when the window has too few predictions to compare with the reference */
  drift: DriftReport | null
  labels: number
  realizedAuc: number | null
  /** manifest metrics.val_auc */
  baselineAuc: number | null
  latencyP99: number | null
  errorRate: number | null
}

export type RuleState = 'firing' | 'ok' | 'unknown'
export interface RuleOutcome {
  rule: Rule
  /** unknown: not enough evidence either way, so an open alert stays open and none is fired */
  state: RuleState
  detail: Record<string, unknown>
}

const judge = (firing: boolean): RuleState => (firing ? 'firing' : 'ok')

export function evaluateRule(rule: Rule, s: WindowSignals, t: Thresholds): RuleOutcome {
  switch (rule) {
    case 'dataset_drift': {
      if (!s.drift) return { rule, state: 'unknown', detail: { reason: 'too few predictions' } }
      const drifted = s.drift.features.filter((f) => f.drifted).map((f) => f.feature)
      return { rule, state: judge(s.drift.datasetDrift), detail: { driftedShare: s.drift.driftedShare, drifted } }
    }
    case 'prediction_drift': {
      if (!s.drift) return { rule, state: 'unknown', detail: { reason: 'too few predictions' } }
      const { method, statistic, threshold, thresholdOn, pValue, drifted } = s.drift.prediction
      return { rule, state: judge(drifted), detail: { method, statistic, pValue, threshold, thresholdOn } }
    }
    case 'realized_auc': {
      const detail = { realizedAuc: s.realizedAuc, baselineAuc: s.baselineAuc, tolerance: t.aucTolerance, labels: s.labels }
      if (s.baselineAuc === null) return { rule, state: 'unknown', detail: { ...detail, reason: 'the manifest has no val_auc' } }
      if (s.labels < t.minLabels || s.realizedAuc === null) {
        return { rule, state: 'unknown', detail: { ...detail, reason: `fewer than ${t.minLabels} labels of both classes` } }
      }
      return { rule, state: judge(s.realizedAuc < s.baselineAuc - t.aucTolerance), detail }
    }
    case 'latency_p99':
      if (s.latencyP99 === null) return { rule, state: 'unknown', detail: { reason: 'no latencies' } }
      return { rule, state: judge(s.latencyP99 > t.p99LatencyMs), detail: { p99Ms: s.latencyP99, budgetMs: t.p99LatencyMs } }
    case 'error_rate':
      if (s.errorRate === null) return { rule, state: 'unknown', detail: { reason: 'no rows were asked of this version' } }
      return { rule, state: judge(s.errorRate > t.maxErrorRate), detail: { errorRate: s.errorRate, bound: t.maxErrorRate } }
  }
}

export function evaluateRules(s: WindowSignals, t: Thresholds, enabled: ReadonlySet<Rule>): RuleOutcome[] {
  return RULES.filter((r) => enabled.has(r)).map((r) => evaluateRule(r, s, t))
}

export interface Alert {
  id: string
  model: string
  version: number
  rule: Rule
  status: 'firing' | 'resolved'
  firstFired: number
  lastSeen: number
  resolvedAt: number | null
  detail: Record<string, unknown>
}

export type AlertChange = { kind: 'fired' | 'updated' | 'resolved'; alert: Alert }

/**
 * The change one rule outcome makes to the open alert of its (model, version, rule), if any: a firing rule
 * opens an alert or refreshes the open one (never a second), a cleared rule resolves it, unknown leaves it.
 */
export function transition(
  open: Alert | undefined,
  outcome: RuleOutcome,
  key: { model: string; version: number },
  now: number,
  newId: () => string,
): AlertChange | null {
  if (outcome.state === 'firing') {
    if (open) return { kind: 'updated', alert: { ...open, lastSeen: now, detail: outcome.detail } }
    const alert: Alert = {
      id: newId(),
      ...key,
      rule: outcome.rule,
      status: 'firing',
      firstFired: now,
      lastSeen: now,
      resolvedAt: null,
      detail: outcome.detail,
    }
    return { kind: 'fired', alert }
  }
  if (outcome.state === 'ok' && open) {
    return { kind: 'resolved', alert: { ...open, status: 'resolved', lastSeen: now, resolvedAt: now, detail: outcome.detail } }
  }
  return null
}
