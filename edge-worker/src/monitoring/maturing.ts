/**
 * Labels that mature: outcomes arrive days after their predictions, so the realized performance of a past
 * prediction window is recomputed on every pass until LABEL_MATURITY_DAYS after its end, and the realized_auc
 * rule judges the newest window whose labels suffice, not only the last DRIFT_WINDOW_HOURS (which in
 * production has almost none yet).
 */

import type { MonitoringRun } from '@tarmac/sdk/contracts/monitoring'
import { and, eq, gte, lt } from 'drizzle-orm'
import { database } from '../db/client.ts'
import { performance, profileCounts } from '../db/schema.ts'
import { readManifest } from '../models/loader.ts'
import { applyOutcomes } from './alerts.ts'
import { monitoringConfigOf } from './config.ts'
import { notify } from './evaluate.ts'
import { loadLabelled, realized } from './labels.ts'
import { evaluateRule } from './rules.ts'
import { bucketRange, HOUR_MS, iso, trailingWindow, type Window } from './window.ts'

const DAY_MS = 24 * HOUR_MS

export interface MaturingRun {
  /** windows recomputed, newest first: [start, end) ISO */
  windows: { from: string; to: string }[]
  /** per version, the window realized_auc judged (null: no window had enough labels) */
  judged: { model: string; version: number; window: { from: string; to: string } | null; labels: number; realizedAuc: number | null }[]
  changes: MonitoringRun['changes']
}

/** The cron's windows back to the maturity horizon, newest first: those whose labels may still arrive. */
export function maturingWindows(at: number, windowHours: number, maturityDays: number): Window[] {
  const latest = trailingWindow(at, windowHours)
  const span = windowHours * HOUR_MS
  const out: Window[] = []
  for (let end = latest.end; end > at - maturityDays * DAY_MS; end -= span) out.push({ start: end - span, end })
  return out
}

export async function runMaturing(env: Env, at: number, now = Date.now()): Promise<MaturingRun> {
  const db = database(env.DB)
  const config = monitoringConfigOf(env)
  const windows = maturingWindows(at, config.windowHours, config.maturityDays)
  const run: MaturingRun = { windows: windows.map((w) => ({ from: iso(w.start), to: iso(w.end) })), judged: [], changes: [] }
  if (windows.length === 0) return run
  const { first } = bucketRange(windows[windows.length - 1])
  const { last } = bucketRange(windows[0])
  const versions = await db
    .selectDistinct({ model: profileCounts.model, version: profileCounts.version })
    .from(profileCounts)
    .where(and(gte(profileCounts.hour, first), lt(profileCounts.hour, last)))
  for (const key of versions) {
    let judged: { w: Window; labels: number; auc: number | null } | null = null
    for (const w of windows) {
      const labelled = realized(await loadLabelled(db, key.model, w, key.version))
      if (labelled.labels === 0) continue
      // the pass that evaluated this window as the cron's trailing one created its row; only the labels change
      await db
        .update(performance)
        .set({
          labels: labelled.labels,
          realizedAuc: labelled.auc,
          logLoss: labelled.logLoss,
          ece: labelled.ece,
          calibration: labelled.calibration,
        })
        .where(
          and(
            eq(performance.model, key.model),
            eq(performance.version, key.version),
            eq(performance.windowStart, w.start),
            eq(performance.windowEnd, w.end),
          ),
        )
      if (!judged && labelled.auc !== null && labelled.labels >= config.thresholds.minLabels)
        judged = { w, labels: labelled.labels, auc: labelled.auc }
    }
    run.judged.push({
      ...key,
      window: judged && { from: iso(judged.w.start), to: iso(judged.w.end) },
      labels: judged?.labels ?? 0,
      realizedAuc: judged?.auc ?? null,
    })
    if (!judged || !config.rules.has('realized_auc')) continue
    const manifest = await readManifest(env, key.model, key.version)
    const outcome = evaluateRule(
      'realized_auc',
      {
        drift: null,
        labels: judged.labels,
        realizedAuc: judged.auc,
        baselineAuc: manifest.metrics.val_auc ?? null,
        latencyP99: null,
        errorRate: null,
      },
      config.thresholds,
    )
    outcome.detail = { ...outcome.detail, window: { from: iso(judged.w.start), to: iso(judged.w.end) } }
    for (const change of await applyOutcomes(db, key, [outcome], now)) run.changes.push(await notify(db, config, change, now))
  }
  return run
}
