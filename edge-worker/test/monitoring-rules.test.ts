import type { DriftReport, FeatureDrift, Profile } from '@tarmac/sdk/drift'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { monitoringConfigOf } from '../src/monitoring/config.ts'
import { histogramQuantile, windowProfile } from '../src/monitoring/profiles.ts'
import { type Alert, evaluateRule, evaluateRules, RULES, type Thresholds, transition, type WindowSignals } from '../src/monitoring/rules.ts'
import { alertMessage, deliver } from '../src/monitoring/webhook.ts'
import { hourWindow, trailingWindow } from '../src/monitoring/window.ts'

const T: Thresholds = { aucTolerance: 0.03, minLabels: 500, maxEce: 0.05, eceMinLabels: 1000, p99LatencyMs: 100, maxErrorRate: 0.01 }
const feature = (name: string, drifted: boolean): FeatureDrift => ({
  feature: name,
  kind: 'numeric',
  method: 'wasserstein',
  statistic: drifted ? 0.4 : 0.02,
  threshold: 0.1,
  thresholdOn: 'statistic',
  thresholdSource: 'default',
  drifted,
})
const report = (drifted: string[], predictionDrifted = false): DriftReport => {
  const features = ['origin', 'destination', 'distance', 'departure_hour'].map((f) => feature(f, drifted.includes(f)))
  const share = drifted.length / features.length
  return {
    features,
    prediction: feature('prediction', predictionDrifted),
    datasetDrift: share >= 0.5,
    driftedShare: share,
    referenceCount: 1,
    currentCount: 1,
  }
}
const signals = (s: Partial<WindowSignals> = {}): WindowSignals => ({
  drift: report([]),
  labels: 1000,
  realizedAuc: 0.8,
  ece: 0.01,
  baselineAuc: 0.8,
  latencyP99: 20,
  errorRate: null,
  ...s,
})
const state = (rule: (typeof RULES)[number], s: Partial<WindowSignals>, t = T) => evaluateRule(rule, signals(s), t).state

describe('alert rules', () => {
  it('judges drift from the report, and cannot judge a window too small to have one', () => {
    expect(state('dataset_drift', { drift: report(['origin', 'destination']) })).toBe('firing')
    expect(state('dataset_drift', { drift: report(['distance']) })).toBe('ok')
    expect(evaluateRule('dataset_drift', signals({ drift: report(['origin', 'destination']) }), T).detail).toEqual({
      driftedShare: 0.5,
      drifted: ['origin', 'destination'],
    })
    expect(state('prediction_drift', { drift: report([], true) })).toBe('firing')
    expect(state('prediction_drift', {})).toBe('ok')
    expect(state('dataset_drift', { drift: null })).toBe('unknown')
    expect(state('prediction_drift', { drift: null })).toBe('unknown')
  })

  it('fires on realized AUC below val_auc − tolerance only once enough labels are in', () => {
    expect(state('realized_auc', { realizedAuc: 0.76 })).toBe('firing')
    expect(state('realized_auc', { realizedAuc: 0.78 })).toBe('ok')
    expect(state('realized_auc', { realizedAuc: 0.5, labels: 499 })).toBe('unknown')
    expect(state('realized_auc', { realizedAuc: null })).toBe('unknown')
    expect(state('realized_auc', { realizedAuc: 0.5, baselineAuc: null })).toBe('unknown')
    expect(state('realized_auc', { realizedAuc: 0.76 }, { ...T, aucTolerance: 0.05 })).toBe('ok')
  })

  it('fires on ECE above its bound only once ALERT_ECE_MIN_LABELS labels are in, whatever the classes', () => {
    expect(state('calibration_error', { ece: 0.051 })).toBe('firing')
    expect(state('calibration_error', { ece: 0.05 })).toBe('ok')
    expect(state('calibration_error', { ece: 0.3, labels: 999 })).toBe('unknown')
    expect(state('calibration_error', { ece: null })).toBe('unknown')
    // all outcomes one class: no AUC, but calibration is still judged
    expect(state('calibration_error', { ece: 0.8, realizedAuc: null, baselineAuc: null })).toBe('firing')
    expect(state('calibration_error', { ece: 0.08 }, { ...T, maxEce: 0.1 })).toBe('ok')
    expect(evaluateRule('calibration_error', signals({ ece: 0.2 }), T).detail).toEqual({ ece: 0.2, bound: 0.05, labels: 1000 })
  })

  it('bounds p99 latency and the error rate when they are known', () => {
    expect(state('latency_p99', { latencyP99: 101 })).toBe('firing')
    expect(state('latency_p99', { latencyP99: 100 })).toBe('ok')
    expect(state('latency_p99', { latencyP99: null })).toBe('unknown')
    expect(state('error_rate', { errorRate: 0.02 })).toBe('firing')
    expect(state('error_rate', { errorRate: 0.01 })).toBe('ok')
    expect(state('error_rate', {})).toBe('unknown')
  })

  it('evaluates only the enabled rules', () => {
    expect(evaluateRules(signals(), T, new Set(['latency_p99', 'dataset_drift'] as const)).map((o) => o.rule)).toEqual([
      'dataset_drift',
      'latency_p99',
    ])
  })
})

describe('alert transitions', () => {
  const key = { model: 'm', version: 2 }
  const open: Alert = { id: 'a1', ...key, rule: 'latency_p99', status: 'firing', firstFired: 1, lastSeen: 1, resolvedAt: null, detail: {} }
  const outcome = (s: 'firing' | 'ok' | 'unknown') => ({ rule: 'latency_p99' as const, state: s, detail: { p99Ms: 5 } })

  it('opens one alert, refreshes it while firing, resolves it when the condition clears', () => {
    expect(transition(undefined, outcome('firing'), key, 10, () => 'new')).toEqual({
      kind: 'fired',
      alert: {
        id: 'new',
        ...key,
        rule: 'latency_p99',
        status: 'firing',
        firstFired: 10,
        lastSeen: 10,
        resolvedAt: null,
        detail: { p99Ms: 5 },
      },
    })
    expect(transition(open, outcome('firing'), key, 10, () => 'new')).toEqual({
      kind: 'updated',
      alert: { ...open, lastSeen: 10, detail: { p99Ms: 5 } },
    })
    expect(transition(open, outcome('ok'), key, 10, () => 'new')).toEqual({
      kind: 'resolved',
      alert: { ...open, status: 'resolved', lastSeen: 10, resolvedAt: 10, detail: { p99Ms: 5 } },
    })
  })

  it('changes nothing when all is well or the evidence is missing', () => {
    expect(transition(undefined, outcome('ok'), key, 10, () => 'new')).toBeNull()
    expect(transition(undefined, outcome('unknown'), key, 10, () => 'new')).toBeNull()
    expect(transition(open, outcome('unknown'), key, 10, () => 'new')).toBeNull()
  })
})

describe('window profiles', () => {
  it('reads latency quantiles off the histogram, interpolating within a bin', () => {
    const h = { kind: 'numeric' as const, edges: [10, 20], counts: [0, 10, 0] }
    expect(histogramQuantile(h, 0.5)).toBe(15)
    expect(histogramQuantile(h, 0.99)).toBeCloseTo(19.9)
    expect(histogramQuantile({ ...h, counts: [0, 0, 5] }, 0.5)).toBe(20) // open last bin: its lower edge
    expect(histogramQuantile({ ...h, counts: [0, 0, 0] }, 0.5)).toBeNull()
  })

  it('merges hourly counts on the reference bins, ignoring what the reference does not have', () => {
    const reference: Profile = {
      count: 10,
      features: { origin: { kind: 'categorical', categories: ['A'], counts: [5, 5] } },
      prediction: { kind: 'numeric', edges: [0.5], counts: [5, 5] },
    }
    const rows = [
      { hour: 'h1', feature: 'rows', bin: 0, count: 3 },
      { hour: 'h1', feature: 'origin', bin: 0, count: 3 },
      { hour: 'h1', feature: 'prediction', bin: 1, count: 3 },
      { hour: 'h1', feature: 'latency_ms', bin: 2, count: 3 },
      { hour: 'h2', feature: 'rows', bin: 0, count: 2 },
      { hour: 'h2', feature: 'origin', bin: 1, count: 2 },
      { hour: 'h2', feature: 'origin', bin: 9, count: 2 },
      { hour: 'h2', feature: 'prediction', bin: 0, count: 2 },
      { hour: 'h2', feature: 'distance', bin: 0, count: 2 },
    ]
    const { profile, latency } = windowProfile(reference, rows)
    expect(profile).toEqual({
      count: 5,
      features: { origin: { kind: 'categorical', categories: ['A'], counts: [3, 2] } },
      prediction: { kind: 'numeric', edges: [0.5], counts: [2, 3] },
    })
    expect(latency.counts[2]).toBe(3)
  })
})

describe('webhook', () => {
  afterEach(() => vi.restoreAllMocks())
  const fired: Alert = {
    id: 'a1',
    model: 'm',
    version: 2,
    rule: 'dataset_drift',
    status: 'firing',
    firstFired: Date.UTC(2026, 4, 1),
    lastSeen: Date.UTC(2026, 4, 1),
    resolvedAt: null,
    detail: { drifted: ['origin', 'destination'], driftedShare: 0.4 },
  }

  it('formats a Slack message with a machine-readable copy', () => {
    const m = alertMessage({ kind: 'fired', alert: fired })
    expect(m.text).toBe('[FIRING] dataset_drift on m v2: drifted features: origin, destination (share 0.4)')
    expect(m.blocks.map((b) => b.type)).toEqual(['section', 'context'])
    expect(m.tarmac).toEqual({
      event: 'alert.fired',
      alert: { ...fired, firstFired: '2026-05-01T00:00:00.000Z', lastSeen: '2026-05-01T00:00:00.000Z' },
    })
  })

  it('states the calibration figure, its bound and the labels it stands on', () => {
    const calibration: Alert = { ...fired, rule: 'calibration_error', detail: { ece: 0.123456, bound: 0.05, labels: 1200 } }
    expect(alertMessage({ kind: 'fired', alert: calibration }).text).toBe(
      '[FIRING] calibration_error on m v2: ECE 0.1235 (bound 0.05) on 1200 labels',
    )
  })

  it('retries 5xx and network errors a bounded number of times, and not other 4xx', async () => {
    const answers = [new Error('connection reset'), 502, 200]
    const spy = vi.spyOn(globalThis, 'fetch').mockImplementation(async () => {
      const next = answers.shift() ?? 500
      if (next instanceof Error) throw next
      return new Response(null, { status: next })
    })
    const message = alertMessage({ kind: 'fired', alert: fired })
    expect(await deliver('https://hooks.test/x', message, { backoffMs: 1 })).toEqual({ ok: true, attempts: 3 })
    expect(await deliver('https://hooks.test/x', message, { backoffMs: 1, attempts: 2 })).toEqual({
      ok: false,
      attempts: 2,
      error: 'HTTP 500',
    })
    answers.push(404)
    expect(await deliver('https://hooks.test/x', message, { backoffMs: 1 })).toEqual({ ok: false, attempts: 1, error: 'HTTP 404' })
    expect(spy).toHaveBeenCalledTimes(6)
  })
})

describe('monitoring config and windows', () => {
  it('parses vars with safe fallbacks', () => {
    const c = monitoringConfigOf({
      DRIFT_WINDOW_HOURS: 'x',
      ALERT_RULES: 'latency_p99, nonsense',
      ALERT_MIN_LABELS: '50',
    } as unknown as Env)
    expect(c.windowHours).toBe(24)
    expect([...c.rules]).toEqual(['latency_p99'])
    expect(c.thresholds).toEqual({
      aucTolerance: 0.03,
      minLabels: 50,
      maxEce: 0.05,
      eceMinLabels: 1000,
      p99LatencyMs: 250,
      maxErrorRate: 0.01,
    })
    expect(monitoringConfigOf({ ALERT_MAX_ECE: '0.1', ALERT_ECE_MIN_LABELS: '-3' } as unknown as Env).thresholds).toMatchObject({
      maxEce: 0.1,
      eceMinLabels: 1,
    })
    expect(c.webhookUrl).toBeNull()
    expect([...monitoringConfigOf({ ALERT_RULES: '' } as unknown as Env).rules]).toEqual([...RULES])
  })

  it('snaps windows outward to whole hours; the cron takes completed hours', () => {
    const t = Date.UTC(2026, 4, 1, 13, 20)
    expect(hourWindow(t, t + 60_000)).toEqual({ start: Date.UTC(2026, 4, 1, 13), end: Date.UTC(2026, 4, 1, 14) })
    expect(trailingWindow(t, 24)).toEqual({ start: Date.UTC(2026, 3, 30, 13), end: Date.UTC(2026, 4, 1, 13) })
  })
})
