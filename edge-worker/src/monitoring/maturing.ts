/**
 * Labels that mature: outcomes arrive days after their predictions, so the realized performance of a past
 * prediction window is recomputed on every pass until LABEL_MATURITY_DAYS after its end, and the label rules
 * (realized_auc, calibration_error) judge the newest window whose labels suffice, not only the last
 * DRIFT_WINDOW_HOURS (which in production has almost none yet).
 */

import type { MonitoringRun } from '@tarmac/sdk/contracts/monitoring'
import { and, eq, gte, lt } from 'drizzle-orm'
import { database } from '../db/client.ts'
import { performance, profileCounts } from '../db/schema.ts'
import { readManifest } from '../models/loader.ts'
import { applyOutcomes } from './alerts.ts'
import { monitoringConfigOf } from './config.ts'
import { notify } from './evaluate.ts'
import { loadLabelled, type Realized, realized } from './labels.ts'
import { evaluateRule, type Rule, type RuleOutcome, type WindowSignals } from './rules.ts'
import { bucketRange, HOUR_MS, iso, trailingWindow, type Window } from './window.ts'

const DAY_MS = 24 * HOUR_MS

export interface MaturingRun {
  /** windows recomputed, newest first: [start, end) ISO */
  windows: { from: string; to: string }[]
  /** per version and label rule, the window it judged (null: no window gave it enough evidence) */
  judged: {
    model: string
    version: number
    rule: Rule
    window: { from: string; to: string } | null
    detail: Record<string, unknown> | null
  }[]
  changes: MonitoringRun['changes']
}

/** The rules that read labels, and so are judged on maturing windows. */
const LABEL_RULES = ['realized_auc', 'calibration_error'] as const satisfies readonly Rule[]

/** The cron's windows back to the maturity horizon, newest first: those whose labels may still arrive. */
export function maturingWindows(at: number, windowHours: number, maturityDays: number): Window[] {
  const latest = trailingWindow(at, windowHours)
  const span = windowHours * HOUR_MS
  const out: Window[] = []
  for (let end = latest.end; end > at - maturityDays * DAY_MS; end -= span) out.push({ start: end - span, end })
  return out
}

/** What the label rules read of a window: its realized figures; the rest is the trailing pass's business. */
const labelSignals = (r: Realized, baselineAuc: number | null): WindowSignals => ({
  drift: null,
  labels: r.labels,
  realizedAuc: r.auc,
  ece: r.ece,
  baselineAuc,
  latencyP99: null,
  errorRate: null,
})

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
    const recomputed: { w: Window; labelled: Realized }[] = []
    for (const w of windows) {
      const labelled = realized(await loadLabelled(db, key.model, w, key.version))
      if (labelled.labels === 0) continue
      recomputed.push({ w, labelled })
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
    }
    const rules = LABEL_RULES.filter((r) => config.rules.has(r))
    if (rules.length === 0 || recomputed.length === 0) continue
    // only realized_auc needs the manifest (its val_auc baseline)
    const baselineAuc = rules.includes('realized_auc') ? ((await readManifest(env, key.model, key.version)).metrics.val_auc ?? null) : null
    const outcomes: RuleOutcome[] = []
    for (const rule of rules) {
      // each rule judges the newest window with enough evidence for it: their label minimums differ
      const judged = recomputed
        .map(({ w, labelled }) => ({ w, outcome: evaluateRule(rule, labelSignals(labelled, baselineAuc), config.thresholds) }))
        .find((j) => j.outcome.state !== 'unknown')
      const window = judged ? { from: iso(judged.w.start), to: iso(judged.w.end) } : null
      run.judged.push({ ...key, rule, window, detail: judged?.outcome.detail ?? null })
      if (judged) outcomes.push({ ...judged.outcome, detail: { ...judged.outcome.detail, window } })
    }
    for (const change of await applyOutcomes(db, key, outcomes, now)) run.changes.push(await notify(db, config, change, now))
  }
  return run
}
