/**
 * One monitoring pass over a window of prediction hours: per model version with aggregates in the window,
 * drift against the manifest's reference, realized and estimated performance, serving latency; stored
 * idempotently per (model, version, window), then turned into alert changes and webhook deliveries.
 */

import type { MonitoringRun } from '@tarmac/sdk/contracts/monitoring'
import { detectDrift } from '@tarmac/sdk/drift'
import { estimatedPerformance } from '@tarmac/sdk/metrics'
import { and, eq, gte, lt } from 'drizzle-orm'
import type { BatchItem } from 'drizzle-orm/batch'
import { database } from '../db/client.ts'
import { alerts, driftReports, performance, profileCounts } from '../db/schema.ts'
import { readManifest } from '../models/loader.ts'
import { applyOutcomes, owedDeliveries, recordDelivery, toAlert } from './alerts.ts'
import { type MonitoringConfig, monitoringConfigOf } from './config.ts'
import { finiteOrNull, loadLabelled, realized } from './labels.ts'
import { edgeReference, histogramQuantile, histogramTotal, loadCounts, windowProfile } from './profiles.ts'
import { type AlertChange, evaluateRules } from './rules.ts'
import { alertRecord, driftRecord, performanceRecord } from './views.ts'
import { alertMessage, deliver } from './webhook.ts'
import { bucketRange, iso, type Window } from './window.ts'

type Db = ReturnType<typeof database>
type Evaluation = MonitoringRun['evaluations'][number]

/**
 * The monitoring pass over a window: per version, drift and performance stored, alert rules applied and changes
 * delivered. With `dryRun` it only evaluates: nothing is stored, no alert changes, nothing is sent — what a caller
 * judging an arbitrary window (a canary's) reads without rewriting the monitoring history.
 */
export async function runMonitoring(env: Env, w: Window, { now = Date.now(), dryRun = false } = {}): Promise<MonitoringRun> {
  const db = database(env.DB)
  const config = monitoringConfigOf(env)
  const { first, last } = bucketRange(w)
  const versions = await db
    .selectDistinct({ model: profileCounts.model, version: profileCounts.version })
    .from(profileCounts)
    .where(and(gte(profileCounts.hour, first), lt(profileCounts.hour, last)))
  const run: MonitoringRun = { from: iso(w.start), to: iso(w.end), evaluations: [], skipped: [], changes: [], redelivered: [] }
  for (const key of versions) {
    try {
      const { evaluation, changes } = await evaluateVersion(env, db, config, key, w, now, dryRun)
      run.evaluations.push(evaluation)
      for (const change of changes) run.changes.push(await notify(db, config, change, now))
    } catch (error) {
      // one unreadable version (e.g. its manifest is gone) must not stop the others
      const reason = error instanceof Error ? error.message : String(error)
      console.error(JSON.stringify({ event: 'monitoring_failed', ...key, message: reason }))
      run.skipped.push({ ...key, reason })
    }
  }
  if (config.webhookUrl && !dryRun) {
    const sentNow = new Set(run.changes.filter((c) => c.delivery).map((c) => c.alert.id))
    run.redelivered = await redeliver(db, config.webhookUrl, sentNow, now)
  }
  return run
}

/** Alerts a pass sends again, at most: a webhook that stays down must not make every pass slower. */
const REDELIVERY_LIMIT = 10

/**
 * Sends again what earlier passes failed to deliver — the alert's current state, so an alert that fired and
 * resolved while the webhook was down sends its resolution only — except alerts this pass already tried.
 */
async function redeliver(db: Db, url: string, sentNow: ReadonlySet<string>, now: number): Promise<MonitoringRun['redelivered']> {
  const out: MonitoringRun['redelivered'] = []
  for (const row of await owedDeliveries(db, REDELIVERY_LIMIT + sentNow.size)) {
    if (sentNow.has(row.id) || out.length >= REDELIVERY_LIMIT) continue
    const alert = toAlert(row)
    const delivery = await deliver(url, alertMessage({ kind: alert.status === 'firing' ? 'fired' : 'resolved', alert }))
    if (!delivery.ok) console.error(JSON.stringify({ event: 'alert_delivery_failed', id: alert.id, redelivery: true, ...delivery }))
    await recordDelivery(db, alert.id, delivery, now)
    const [stored] = await db.select().from(alerts).where(eq(alerts.id, alert.id))
    out.push({ alert: alertRecord(stored), delivery })
  }
  return out
}

async function evaluateVersion(
  env: Env,
  db: Db,
  config: MonitoringConfig,
  key: { model: string; version: number },
  w: Window,
  now: number,
  dryRun: boolean,
): Promise<{ evaluation: Evaluation; changes: AlertChange[] }> {
  const { model, version } = key
  const manifest = await readManifest(env, model, version)
  const reference = edgeReference(manifest)
  const { profile, latency, errors } = windowProfile(reference, await loadCounts(db, model, version, w))
  const scored = histogramTotal(profile.prediction)
  const drift = scored >= config.minRows ? detectDrift(reference, profile) : null
  const labelled = realized(await loadLabelled(db, model, w, version))
  const estimated = scored > 0 ? estimatedPerformance(profile.prediction, manifest.threshold) : null
  const baselineAuc = manifest.metrics.val_auc ?? null
  const latencyP99 = histogramQuantile(latency, 0.99)
  // rows asked of this version: those it scored (served or shadow) and those it failed
  const attempted = profile.count + errors
  const errorRate = attempted > 0 ? errors / attempted : null
  const keys = { model, version, windowStart: w.start, windowEnd: w.end }

  const measured = {
    count: profile.count,
    labels: labelled.labels,
    realizedAuc: labelled.auc,
    logLoss: labelled.logLoss,
    ece: labelled.ece,
    estimatedAuc: estimated && finiteOrNull(estimated.auc),
    estimatedAccuracy: estimated && finiteOrNull(estimated.accuracy),
    latencyP50: histogramQuantile(latency, 0.5),
    latencyP99,
    errorRate,
    baselineAuc,
    calibration: labelled.calibration,
    createdAt: now,
  }
  const perf = { ...keys, ...measured }
  const driftRow = drift && { ...keys, report: drift, createdAt: now }
  const evaluation = { model, version, drift: driftRow && driftRecord(driftRow), performance: performanceRecord(perf) }
  if (dryRun) return { evaluation, changes: [] }
  const statements: BatchItem<'sqlite'>[] = [
    db
      .insert(performance)
      .values(perf)
      .onConflictDoUpdate({
        target: [performance.model, performance.version, performance.windowStart, performance.windowEnd],
        set: measured,
      }),
  ]
  if (driftRow) {
    statements.push(
      db
        .insert(driftReports)
        .values(driftRow)
        .onConflictDoUpdate({
          target: [driftReports.model, driftReports.version, driftReports.windowStart, driftReports.windowEnd],
          set: { report: drift, createdAt: now },
        }),
    )
  }
  await db.batch(statements as [BatchItem<'sqlite'>, ...BatchItem<'sqlite'>[]])

  const signals = { drift, labels: labelled.labels, realizedAuc: labelled.auc, ece: labelled.ece, baselineAuc, latencyP99, errorRate }
  // an alert is dated by the data it judged: a replay or backfill of a past window files its alerts at that
  // window's end, not at the wall-clock time of the pass (the cron's window ends now, so it is unchanged)
  const observedAt = Math.min(now, w.end)
  const changes = await applyOutcomes(db, key, evaluateRules(signals, config.thresholds, config.rules), observedAt)
  return { evaluation, changes }
}

/** Delivers new firings and resolutions; a refreshed firing alert is not news. */
export async function notify(
  db: Db,
  config: MonitoringConfig,
  change: AlertChange,
  now: number,
): Promise<MonitoringRun['changes'][number]> {
  let delivery = null
  if (config.webhookUrl && change.kind !== 'updated') {
    delivery = await deliver(config.webhookUrl, alertMessage({ kind: change.kind, alert: change.alert }))
    if (!delivery.ok) console.error(JSON.stringify({ event: 'alert_delivery_failed', id: change.alert.id, ...delivery }))
    await recordDelivery(db, change.alert.id, delivery, now)
  }
  const [row] = await db.select().from(alerts).where(eq(alerts.id, change.alert.id))
  return { kind: change.kind, alert: alertRecord(row), delivery }
}
