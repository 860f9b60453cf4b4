import path from 'node:path'
import { loadDataset } from '../data/dataset.ts'
import type { Lineage } from '../data/lineage.ts'
import { pullCapture } from '../data/pull.ts'
import { isoDay, trailingWeeks, type Windows, windowBounds } from '../data/windows.ts'
import { TarmacError, UserInputError } from '../errors.ts'
import type { Home } from '../home.ts'
import type { TrainSettings } from '../pipeline/settings.ts'
import { trainAndRegister } from '../pipeline/tracked-train.ts'
import { publishVersion } from '../publish/edge-client.ts'
import { currentVersion, setAlias } from '../registry/aliases.ts'
import { logMetrics, setTag } from '../tracking/index.ts'
import { versionMetrics } from './offline-eval.ts'

const DAY_MS = 86_400_000

/**
 * The tag and metrics a retrain leaves on its candidate's run: the champion it was compared with, scored on the
 * candidate's own selection and report rows. The canary's promotion judges the candidate against these, not
 * against the champion's figures from its own (older) training window.
 */
export const CHAMPION_COMPARED_TAG = 'tarmac.retrain.champion_version'
export const CHAMPION_METRICS = { val_auc: 'champion_val_auc', val_ece: 'champion_val_ece', report_auc: 'champion_report_auc' } as const

/**
 * One retrain: what it trained on, how the candidate compared with the champion on the held-out recent week,
 * and how it ended — `gate`: worse than the champion there, never published; `canary`: withdrawn by the canary's
 * verdict or the registry's gates; `promoted`; `on canary` while its canary runs.
 */
export interface RetrainRecord {
  at: string
  /** the data version pulled from the Worker's capture: what the edge scored, joined with the labels that came back */
  data: { file: string; lineage: Lineage }
  windows: Windows
  version: number
  champion: number
  reportAuc: number
  championAucSameRows: number
  /**
   * The champion scored on the candidate's selection rows, where the candidate's own val_auc and val_ece were
   * measured: what the registry's promotion gates compare (beats_champion, and calibration against a drifted champion).
   */
  championOnSelection: { val_auc: number; val_ece: number }
  outcome: 'gate' | 'canary' | 'promoted' | 'on canary'
  canary?: {
    from: string
    to: string
    /** rows each version answered and failed in the canary window */
    served: Record<string, { predictions: number; errors: number }>
    /** realized AUC per version, when the canary was judged on labels */
    realizedAuc: Record<string, number | null>
  }
}

export interface RetrainOptions {
  worker: { url: string; adminKey: string }
  model: string
  experiment: string
  /** end (exclusive) of the labelled capture: later flights' labels may still be arriving */
  labelledUntil: number
  /** whole labelled weeks the candidate trains on, before the latest week (selection, then report) */
  weeks: number
  /** how the candidate trains, apart from its data and windows */
  training: Omit<TrainSettings, 'dataFile' | 'windows' | 'trainRows'>
  actor: string
  /** why the retrain ran (an alert, a schedule): recorded in the alias history */
  trigger?: string
  log: (line: string) => void
}

/**
 * Retrains on what the edge saw: the labelled capture of the last `weeks` + 1 weeks is pulled from the Worker into
 * a data version (`tarmac data pull`), the candidate trains through the tracked pipeline on its first `weeks`
 * weeks and is selected and reported on the latest week, and the champion is scored on the same rows. A candidate
 * below the champion there is registered but never published; one at or above it goes to the Worker and the
 * registry as `challenger`, where the Worker's canary serves it (`tarmac canary` judges it).
 */
export async function retrainOnCapture(home: Home, o: RetrainOptions): Promise<RetrainRecord> {
  const champion = await currentVersion(home.db, o.model, 'champion')
  if (champion === null) throw new TarmacError('not_found', `"${o.model}" has no champion to retrain against`)
  const windows = trailingWeeks(isoDay(o.labelledUntil), o.weeks)
  const [from] = windowBounds(windows.train)
  o.log(`── pull the labelled capture ${isoDay(from)}..${isoDay(o.labelledUntil - 1)} from the Worker`)
  const pulled = await pullCapture({
    worker: o.worker.url,
    adminKey: o.worker.adminKey,
    model: o.model,
    from,
    to: o.labelledUntil,
    dir: path.join(home.root, 'data'),
  })
  const { lineage } = pulled
  if (lineage.rows === 0)
    throw new UserInputError(
      `no labelled rows of ${o.model} between ${isoDay(from)} and ${isoDay(o.labelledUntil)} (${lineage.captured} captured): nothing to retrain on`,
    )
  o.log(
    `  ${lineage.rows.toLocaleString('en-US')} labelled of ${lineage.captured.toLocaleString('en-US')} captured rows (${((lineage.labelCoverage ?? 0) * 100).toFixed(1)}% label coverage) → ${pulled.file}`,
  )
  o.log(
    `── retrain on ${windows.train.from}..${windows.train.to}, select on ${windows.validate.from}..${windows.validate.to}, report on ${windows.report.from}..${windows.report.to}`,
  )
  const trained = await trainAndRegister(
    home,
    { ...o.training, dataFile: pulled.file, windows, trainRows: null },
    { model: o.model, experiment: o.experiment },
    o.log,
  )
  const { splits } = await loadDataset(pulled.file, { windows, quarantineDir: path.join(home.root, 'quarantine') })
  const onReport = await versionMetrics(home.store, o.model, champion, splits.report)
  const onSelection = await versionMetrics(home.store, o.model, champion, splits.validate)
  await logMetrics(home.db, trained.runId, {
    [CHAMPION_METRICS.val_auc]: onSelection.auc,
    [CHAMPION_METRICS.val_ece]: onSelection.ece,
    [CHAMPION_METRICS.report_auc]: onReport.auc,
  })
  await setTag(home.db, trained.runId, CHAMPION_COMPARED_TAG, String(champion))
  o.log(
    `  candidate v${trained.version} report AUC ${trained.metrics.report_auc.toFixed(4)} vs champion v${champion} ${onReport.auc.toFixed(4)} on the same ${onReport.rows} rows; on the selection rows AUC ${trained.metrics.val_auc.toFixed(4)} vs ${onSelection.auc.toFixed(4)}, ECE ${trained.metrics.val_ece.toFixed(4)} vs ${onSelection.ece.toFixed(4)}`,
  )
  const record: RetrainRecord = {
    at: isoDay(o.labelledUntil),
    data: pulled,
    windows,
    version: trained.version,
    champion,
    reportAuc: trained.metrics.report_auc,
    championAucSameRows: onReport.auc,
    championOnSelection: { val_auc: onSelection.auc, val_ece: onSelection.ece },
    outcome: 'on canary',
  }
  if (record.reportAuc < record.championAucSameRows) {
    record.outcome = 'gate'
    o.log(`── v${record.version} not published: below the champion on ${windows.report.from}..${windows.report.to}`)
    return record
  }
  await publishVersion(home.store, { endpoint: o.worker.url, adminKey: o.worker.adminKey }, o.model, record.version, 'challenger')
  await setAlias(home.db, o.model, 'challenger', record.version, {
    actor: o.actor,
    reason: `${o.trigger ? `${o.trigger}; ` : ''}retrained on ${windows.train.from}..${windows.train.to}: AUC ${record.reportAuc.toFixed(4)} vs champion v${champion} ${record.championAucSameRows.toFixed(4)} on ${windows.report.from}..${windows.report.to}`,
  })
  o.log(`── v${record.version} published as challenger`)
  return record
}

/** Whole labelled weeks a retrain can train on when the capture began at `captureStart`: one week goes to selection. */
export function weeksAvailable(captureStart: number, labelledUntil: number, wanted: number): number {
  return Math.max(1, Math.min(wanted, Math.floor((labelledUntil - captureStart) / (7 * DAY_MS)) - 1))
}
