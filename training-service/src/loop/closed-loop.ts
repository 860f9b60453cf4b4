import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createWorkerClient } from '@tarmac/sdk/client/worker'
import { loadDataset } from '../data/dataset.ts'
import { describeDataset } from '../data/describe.ts'
import type { Lineage } from '../data/lineage.ts'
import { pullCapture } from '../data/pull.ts'
import { DEFAULT_WINDOWS, trailingWeeks, type Windows, windowBounds } from '../data/windows.ts'
import { TarmacError } from '../errors.ts'
import type { Home } from '../home.ts'
import { startLocalWorker } from '../local/edge-worker.ts'
import type { TrainSettings } from '../pipeline/settings.ts'
import { trainAndRegister } from '../pipeline/tracked-train.ts'
import { createProgress } from '../progress.ts'
import { publishVersion } from '../publish/edge-client.ts'
import { aliasHistory, currentVersion, deleteAlias, setAlias } from '../registry/aliases.ts'
import type { GateConfig } from '../registry/gates.ts'
import { promote } from '../registry/promote.ts'
import { DEFAULT_SWEEP, type SweepFile } from '../train/sweep.ts'
import { canaryVerdict } from './canary.ts'
import { drainTelemetry, type MonitoringRun, runMonitoring, servedShares } from './monitor-client.ts'
import { sliceByTime, versionMetrics } from './offline-eval.ts'
import { type ReplayStats, type ReplayTarget, replayedFlights, replayTraffic } from './replay.ts'
import { type ServedPerformance, servedPerformance } from './served.ts'

const DAY_MS = 86_400_000
const ROOT = fileURLToPath(new URL('../../..', import.meta.url))

export interface LoopOptions {
  dataFile: string
  model: string
  experiment: string
  /** train / validate / report / replay (default: January–February, March 1–15, March 16–31, April–June) */
  windows?: Windows
  /** the champion's sweep (default: DEFAULT_SWEEP) and each retrain's */
  sweep?: SweepFile
  retrainSweep?: SweepFile
  /** replay the flights of one route in this many (replaysRoute) */
  sampleEvery: number
  trainRows: number | null
  labelDelayDays: number
  /** days of each monitoring window (a row of the summary); the replay's clock itself ticks daily */
  checkpointDays: number
  /** days of labelled replay traffic needed before the first retrain */
  minRetrainDays: number
  /** a new candidate is trained this many days after the previous one, when none is on canary (a verdict frees it) */
  retrainEveryDays: number
  /** whole labelled weeks each retrain trains on (a rolling window), before the held-out latest week */
  retrainWeeks: number
  /**
   * Days of canary traffic before the challenger is judged (canary.ts). Longer than the label delay, the verdict
   * also compares realized AUC over the canary window; shorter, it checks that the challenger serves its share
   * without failing, and quality rests on the gate's latest labelled days.
   */
  canaryDays: number
  canaryPercent: number
  /**
   * How far below the champion's realized AUC a challenger may fall on a canary judged on labels and still be
   * promoted. A fifth of a replayed week is at most about 1,150 labels, whose AUC has a standard error of 0.018
   * (Hanley–McNeil at AUC 0.77 and 22% delayed): a strict "at least the champion's" withdraws good candidates on noise.
   */
  canaryMargin: number
  /** the registry's promotion gates, where they differ from the defaults */
  gates?: Partial<GateConfig>
  /** extra Worker vars (e.g. lower alert minimums for a small replay) */
  workerVars?: Record<string, string>
  log: (line: string) => void
}

export interface CheckpointRecord {
  from: string
  to: string
  predictions: number
  /** the champion serving when the window ended */
  champion: number
  versions: {
    version: number
    datasetDrift: boolean
    drifted: string[]
    predictionDrift: boolean
    realizedAuc: number | null
    /** expected calibration error on the same labels (10 equal-width bins) */
    ece: number | null
    /** the ECE a perfectly calibrated model would show on the same labelled predictions: below it is noise */
    eceNoiseFloor: number | null
    estimatedAuc: number | null
    labels: number
    latencyP50: number | null
    latencyP99: number | null
  }[]
  alerts: { kind: string; rule: string; version: number }[]
}

/**
 * One retrain: what it trained on, how the candidate compared with the champion on the held-out recent week,
 * and how it ended — `gate`: worse than the champion there, never published; `canary`: lost on live labels and
 * withdrawn; `promoted`; `on canary` when the replay ended first.
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

export interface LoopSummary {
  data: { dataVersion: string; trainRows: number; replayRows: number }
  /** the first champion, trained on the train window */
  champion: { version: number; reportAuc: number; baselineAuc: number }
  checkpoints: CheckpointRecord[]
  firstDrift: string | null
  firstAlert: string | null
  retrains: RetrainRecord[]
  /** the champion when the replay ended */
  finalChampion: number
  /** offline AUC on the replay's last calendar month of every version trained, on the flights the replay sent */
  lastMonth: {
    month: string
    rows: number
    auc: Record<string, number>
    /** versions whose training, selection or report weeks reach into the month: their figure is partly in-sample */
    trainedOnIt: string[]
    /** what users were served that month: every labelled prediction the Worker answered, from its capture */
    served: ServedPerformance
  }
  /** realized AUC of whichever version was champion, per checkpoint (what users of the model saw) */
  served: {
    from: string
    version: number
    realizedAuc: number | null
    ece: number | null
    eceNoiseFloor: number | null
    labels: number
  }[]
  replay: ReplayStats
  aliasHistory: { alias: string; from: number | null; to: number | null; reason: string; at: string }[]
  /** the local Worker's state folder: `tarmac dashboard` and the monitoring API read it after the run */
  edgeState: string
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10)

function checkpointRecord(from: number, to: number, predictions: number, champion: number, run: MonitoringRun): CheckpointRecord {
  return {
    from: day(from),
    to: day(to - 1),
    predictions,
    champion,
    versions: run.evaluations.map((e) => ({
      version: e.version,
      datasetDrift: e.drift?.report.datasetDrift ?? false,
      drifted: e.drift?.report.features.filter((f) => f.drifted).map((f) => f.feature) ?? [],
      predictionDrift: e.drift?.report.prediction.drifted ?? false,
      realizedAuc: e.performance.realized.auc,
      ece: e.performance.realized.ece,
      eceNoiseFloor: e.performance.realized.eceNoiseFloor,
      estimatedAuc: e.performance.estimated.auc,
      labels: e.performance.realized.labels,
      latencyP50: e.performance.latencyMs.p50,
      latencyP99: e.performance.latencyMs.p99,
    })),
    alerts: run.changes.filter((c) => c.kind !== 'updated').map((c) => ({ kind: c.kind, rule: c.alert.rule, version: c.alert.version })),
  }
}

const ACTOR = 'tarmac start'

/**
 * The whole story on the embedded defaults: train → publish to a local Worker → replay April–June with late
 * labels → drift and alerts → retrain on the labelled capture → gate → canary → promote or withdraw, and again
 * on a cadence; every alias move in the registry.
 *
 * The retraining policy: the first retrain waits for an alert and `minRetrainDays` of labels; after it, a new
 * candidate is trained every `retrainEveryDays` while no challenger is on canary, on the last `retrainWeeks`
 * labelled weeks pulled from the Worker's capture. A candidate that scores below the champion on the held-out
 * latest labelled days (both scored on the same rows) is not published; one that passes runs as a canary for
 * `canaryDays` and is promoted unless the canary shows it failing in the Worker or — for a canary long enough to
 * have labels — its realized AUC falls more than `canaryMargin` below the champion's (canary.ts); a withdrawn
 * challenger leaves the Worker and the registry.
 *
 * Why `npm start` canaries for a day: its models lose about 0.02 AUC a week as June's delays move away from what
 * they trained on (measured offline per week and version), and a canary judged on labels costs a week of serving
 * the older model on top of the two-day label delay, to compare the challenger's AUC on at most about 1,150 labels
 * (standard error 0.018, as large as the gain it would confirm) with the champion's on other rows. The gate's
 * comparison is paired: both versions on the same latest labelled days.
 */
export async function runClosedLoop(home: Home, o: LoopOptions): Promise<LoopSummary> {
  const log = o.log
  const windows = o.windows ?? DEFAULT_WINDOWS
  const base: TrainSettings = {
    dataFile: o.dataFile,
    windows,
    sweep: o.sweep ?? DEFAULT_SWEEP,
    trainRows: o.trainRows,
    seed: 7,
    smoothing: 20,
    folds: 5,
  }
  log(`── train the champion on ${windows.train.from}..${windows.train.to}`)
  const first = await trainAndRegister(home, base, { model: o.model, experiment: o.experiment }, log)
  const holder = await currentVersion(home.db, o.model, 'champion')
  if (holder !== first.version) {
    await promote(home.db, o.model, first.version, {
      actor: ACTOR,
      reason: `initial champion: report AUC ${first.metrics.report_auc.toFixed(4)} vs baseline ${first.metrics.baseline_auc.toFixed(4)}`,
      force: holder !== null,
      gates: o.gates,
    })
  }
  log('── read the replay window')
  const ds = await loadDataset(o.dataFile, { windows, progress: createProgress('  read') })
  const description = describeDataset(ds)
  const replay = ds.splits.replay
  const edgeState = path.join(home.root, 'edge-state', `${Date.now()}`)
  const worker = await startLocalWorker({
    root: ROOT,
    persistDir: edgeState,
    // a replayed week takes seconds: alias changes must reach the Worker within one
    vars: { CANARY_MODE: 'canary', CANARY_PERCENT: String(o.canaryPercent), MODEL_CACHE_TTL_SECONDS: '1', ...o.workerVars },
    log,
  })
  const target = { url: worker.url, adminKey: worker.adminKey, model: o.model }
  const edge = { endpoint: worker.url, adminKey: worker.adminKey }
  const summary: LoopSummary = {
    data: { dataVersion: ds.dataVersion, trainRows: description.windows.train.rows, replayRows: replay.size },
    champion: { version: first.version, reportAuc: first.metrics.report_auc, baselineAuc: first.metrics.baseline_auc },
    checkpoints: [],
    firstDrift: null,
    firstAlert: null,
    retrains: [],
    finalChampion: first.version,
    lastMonth: { month: '', rows: 0, auc: {}, trainedOnIt: [], served: { labels: 0, auc: null, ece: null, versions: {} } },
    served: [],
    replay: { predictions: 0, labels: 0, seconds: 0, versions: {} },
    aliasHistory: [],
    edgeState,
  }
  /** A monitoring window's evaluation, as the hourly cron runs it, recorded in the summary and logged. */
  const monitorWindow = async (from: number, to: number, predictions: number): Promise<CheckpointRecord> => {
    const aggregated = await drainTelemetry(target, from, to, predictions)
    if (aggregated < predictions) log(`  telemetry: ${aggregated} of ${predictions} predictions aggregated after waiting`)
    const record = checkpointRecord(from, to, predictions, summary.finalChampion, await runMonitoring(target, from, to))
    summary.checkpoints.push(record)
    const served = record.versions.find((v) => v.version === record.champion)
    summary.served.push({
      from: record.from,
      version: record.champion,
      realizedAuc: served?.realizedAuc ?? null,
      ece: served?.ece ?? null,
      eceNoiseFloor: served?.eceNoiseFloor ?? null,
      labels: served?.labels ?? 0,
    })
    for (const v of record.versions) {
      log(
        `  v${v.version}: drifted [${v.drifted.join(', ') || 'none'}]${v.predictionDrift ? ' + prediction' : ''}, realized AUC ${v.realizedAuc?.toFixed(4) ?? '—'} (${v.labels} labels), ECE ${v.ece?.toFixed(4) ?? '—'} (noise floor ${v.eceNoiseFloor?.toFixed(4) ?? '—'}), estimated ${v.estimatedAuc?.toFixed(4) ?? '—'}`,
      )
    }
    for (const a of record.alerts) log(`  alert ${a.kind}: ${a.rule} on v${a.version}`)
    if (!summary.firstDrift && record.versions.some((v) => v.drifted.length > 0 || v.predictionDrift)) summary.firstDrift = record.from
    if (!summary.firstAlert && record.alerts.some((a) => a.kind === 'fired')) summary.firstAlert = record.from
    return record
  }
  try {
    await publishVersion(home.store, edge, o.model, first.version, 'champion')
    log(
      `── replay ${windows.replay.from}..${windows.replay.to} (the flights of 1 route in ${o.sampleEvery}), labels ${o.labelDelayDays} days late`,
    )
    const [replayStart] = windowBounds(windows.replay)
    let onCanary: { record: RetrainRecord; from: number; predictions: number } | null = null
    let lastRetrain: number | null = null
    let openWindow = { from: replayStart, predictions: 0 }
    summary.replay = await replayTraffic(target, replay, {
      sampleEvery: o.sampleEvery,
      labelDelayDays: o.labelDelayDays,
      // a daily clock: a canary shorter than a monitoring window is judged on the day it ends
      checkpointDays: 1,
      progressEveryDays: o.checkpointDays,
      // requests of 50 flights, as many callers send them: a canary's share of a day's requests is then its share
      // of the day's traffic (two requests of 500 would give a one-day canary all of it or none)
      batchSize: 50,
      concurrency: 3,
      log,
      onCheckpoint: async (_from, to, predictions, last) => {
        openWindow.predictions += predictions
        if (onCanary) onCanary.predictions += predictions
        const windowEnds = last || (to - replayStart) % (o.checkpointDays * DAY_MS) === 0
        const record = windowEnds ? await monitorWindow(openWindow.from, to, openWindow.predictions) : null
        if (windowEnds) openWindow = { from: to, predictions: 0 }
        if (onCanary && to - onCanary.from >= o.canaryDays * DAY_MS) {
          if (await judgeCanary(home, o, edge, target, onCanary, to, record)) {
            if (onCanary.record.outcome === 'promoted') summary.finalChampion = onCanary.record.version
            onCanary = null
            // a verdict frees the canary: the next candidate may train at once, against the champion just decided
          }
        }
        // no retrain on the last day: its candidate could never serve
        if (!windowEnds || onCanary || last) return
        const labelledUntil = to - o.labelDelayDays * DAY_MS
        const due =
          lastRetrain === null
            ? summary.firstAlert !== null && labelledUntil - replayStart >= o.minRetrainDays * DAY_MS
            : to - lastRetrain >= o.retrainEveryDays * DAY_MS
        if (!due) return
        lastRetrain = to
        const retrained = await retrain(home, o, base, target, replayStart, labelledUntil, summary.finalChampion)
        summary.retrains.push(retrained)
        if (retrained.reportAuc < retrained.championAucSameRows) {
          retrained.outcome = 'gate'
          log(
            `── v${retrained.version} not published: below the champion on ${retrained.windows.report.from}..${retrained.windows.report.to}`,
          )
          return
        }
        await publishVersion(home.store, edge, o.model, retrained.version, 'challenger')
        await setAlias(home.db, o.model, 'challenger', retrained.version, {
          actor: ACTOR,
          reason: `retrained on ${retrained.windows.train.from}..${retrained.windows.train.to}: AUC ${retrained.reportAuc.toFixed(4)} vs champion v${retrained.champion} ${retrained.championAucSameRows.toFixed(4)} on ${retrained.windows.report.from}..${retrained.windows.report.to}`,
        })
        onCanary = { record: retrained, from: to, predictions: 0 }
        log(`── v${retrained.version} published as challenger: ${o.canaryPercent}% canary for ${o.canaryDays} day(s)`)
      },
    })
    // the replay's last calendar month, scored offline for every version: how each would have done there
    const [, replayEnd] = windowBounds(windows.replay)
    const lastMonthStart = Date.UTC(new Date(replayEnd - 1).getUTCFullYear(), new Date(replayEnd - 1).getUTCMonth(), 1)
    // the replayed routes only: a model retrained on the capture has never seen the others
    const month = replayedFlights(sliceByTime(replay, lastMonthStart, replayEnd), o.sampleEvery)
    const versions = [first.version, ...summary.retrains.map((r) => r.version)]
    const scored = await Promise.all(versions.map((v) => versionMetrics(home.store, o.model, v, month)))
    summary.lastMonth = {
      month: day(lastMonthStart).slice(0, 7),
      rows: scored[0].rows,
      auc: Object.fromEntries(versions.map((v, i) => [`v${v}`, scored[i].auc])),
      trainedOnIt: summary.retrains.filter((r) => windowBounds(r.windows.report)[1] > lastMonthStart).map((r) => `v${r.version}`),
      served: await servedPerformance(target, lastMonthStart, replayEnd),
    }
    summary.aliasHistory = (await aliasHistory(home.db, o.model)).map((e) => ({
      alias: e.alias,
      from: e.fromVersion,
      to: e.toVersion,
      reason: e.reason,
      at: e.at.toISOString(),
    }))
    return summary
  } finally {
    await worker.stop()
  }
}

/**
 * Retrains on what the edge saw, the way production does: the labelled capture since the replay began is pulled
 * from the Worker into a data version (tarmac data pull), and the model trains on its last `retrainWeeks`
 * labelled weeks, selected and reported on the latest week. The champion is scored on the same report rows.
 */
async function retrain(
  home: Home,
  o: LoopOptions,
  base: TrainSettings,
  target: { url: string; adminKey: string; model: string },
  replayStart: number,
  labelledUntil: number,
  championVersion: number,
): Promise<RetrainRecord> {
  const weeks = Math.max(1, Math.min(o.retrainWeeks, Math.floor((labelledUntil - replayStart) / (7 * DAY_MS)) - 1))
  const windows = trailingWeeks(day(labelledUntil), weeks)
  const [from] = windowBounds(windows.train)
  o.log(`── pull the labelled capture ${day(from)}..${day(labelledUntil - 1)} from the Worker`)
  const pulled = await pullCapture({
    worker: target.url,
    adminKey: target.adminKey,
    model: o.model,
    from,
    to: labelledUntil,
    dir: path.join(home.root, 'data'),
  })
  const { lineage } = pulled
  o.log(
    `  ${lineage.rows.toLocaleString('en-US')} labelled of ${lineage.captured.toLocaleString('en-US')} captured rows (${((lineage.labelCoverage ?? 0) * 100).toFixed(1)}% label coverage) → ${pulled.file}`,
  )
  o.log(
    `── retrain on ${windows.train.from}..${windows.train.to}, select on ${windows.validate.from}..${windows.validate.to}, report on ${windows.report.from}..${windows.report.to}`,
  )
  const sweep = o.retrainSweep ?? { base: { epochs: 3, batchSize: 1024 }, trials: DEFAULT_SWEEP.trials?.slice(1, 3) ?? [] }
  const trained = await trainAndRegister(
    home,
    { ...base, dataFile: pulled.file, windows, sweep, trainRows: null },
    { model: o.model, experiment: o.experiment },
    o.log,
  )
  const { splits } = await loadDataset(pulled.file, { windows, quarantineDir: path.join(home.root, 'quarantine') })
  const champion = await versionMetrics(home.store, o.model, championVersion, splits.report)
  const onSelection = await versionMetrics(home.store, o.model, championVersion, splits.validate)
  o.log(
    `  candidate v${trained.version} report AUC ${trained.metrics.report_auc.toFixed(4)} vs champion v${championVersion} ${champion.auc.toFixed(4)} on the same ${champion.rows} rows; on the selection rows AUC ${trained.metrics.val_auc.toFixed(4)} vs ${onSelection.auc.toFixed(4)}, ECE ${trained.metrics.val_ece.toFixed(4)} vs ${onSelection.ece.toFixed(4)}`,
  )
  return {
    at: day(labelledUntil),
    data: pulled,
    windows,
    version: trained.version,
    champion: championVersion,
    reportAuc: trained.metrics.report_auc,
    championAucSameRows: champion.auc,
    championOnSelection: { val_auc: onSelection.auc, val_ece: onSelection.ece },
    outcome: 'on canary',
  }
}

/**
 * After the canary: promoted (registry gates, then the Worker's champion) or withdrawn from the Worker and the
 * registry, and true; false when the canary is extended (its challenger has answered nothing yet). The evidence is
 * what the Worker recorded of the canary window: the rows each version answered and failed, and — for a canary
 * longer than the label delay — the window's realized AUC per version.
 */
async function judgeCanary(
  home: Home,
  o: LoopOptions,
  edge: { endpoint: string; adminKey: string },
  target: ReplayTarget,
  canary: { record: RetrainRecord; from: number; predictions: number },
  to: number,
  monitored: CheckpointRecord | null,
): Promise<boolean> {
  const retrained = canary.record
  await drainTelemetry(target, canary.from, to, canary.predictions)
  const served = await servedShares(target, canary.from, to)
  const judgedOnLabels = o.canaryDays > o.labelDelayDays
  let evaluated: CheckpointRecord | null = null
  if (judgedOnLabels) {
    evaluated =
      monitored?.from === day(canary.from)
        ? monitored
        : checkpointRecord(canary.from, to, canary.predictions, retrained.champion, await runMonitoring(target, canary.from, to))
  }
  const realizedAuc = Object.fromEntries(evaluated?.versions.map((v) => [`v${v.version}`, v.realizedAuc]) ?? [])
  retrained.canary = { from: day(canary.from), to: day(to - 1), served, realizedAuc }
  const evidence = (version: number) => ({
    predictions: served[`v${version}`]?.predictions ?? 0,
    errors: served[`v${version}`]?.errors ?? 0,
    realizedAuc: realizedAuc[`v${version}`] ?? null,
  })
  const challenger = evidence(retrained.version)
  const champion = evidence(retrained.champion)
  const live = judgedOnLabels
    ? `realized AUC v${retrained.version} ${challenger.realizedAuc?.toFixed(4) ?? '—'} vs v${retrained.champion} ${champion.realizedAuc?.toFixed(4) ?? '—'}`
    : `v${retrained.version} answered ${challenger.predictions} rows, ${challenger.errors} failed`
  const reason = `canary ${retrained.canary.from}..${retrained.canary.to}: ${live}; recent labelled days ${retrained.reportAuc.toFixed(4)} vs ${retrained.championAucSameRows.toFixed(4)}`
  const verdict = canaryVerdict(challenger, champion, { judgedOnLabels, margin: o.canaryMargin })
  if (verdict.verdict === 'extend') {
    o.log(`── v${retrained.version} stays on canary another day: ${verdict.reason}`)
    return false
  }
  let refusal = verdict.verdict === 'withdraw' ? `${reason}: ${verdict.reason}` : null
  if (!refusal) {
    try {
      await promote(home.db, o.model, retrained.version, {
        actor: ACTOR,
        reason,
        championMetrics: retrained.championOnSelection,
        gates: o.gates,
      })
    } catch (e) {
      if (!(e instanceof TarmacError && e.code === 'gate_failed')) throw e
      refusal = e.message
    }
  }
  if (refusal) {
    retrained.outcome = 'canary'
    await createWorkerClient(edge).admin.deleteAlias(o.model, 'challenger')
    await deleteAlias(home.db, o.model, 'challenger', { actor: ACTOR, reason: `withdrawn: ${refusal}` })
    o.log(`── v${retrained.version} withdrawn: ${refusal}`)
    return true
  }
  retrained.outcome = 'promoted'
  await publishVersion(home.store, edge, o.model, retrained.version, 'champion')
  await createWorkerClient(edge).admin.deleteAlias(o.model, 'challenger')
  await deleteAlias(home.db, o.model, 'challenger', { actor: ACTOR, reason: `v${retrained.version} promoted to champion` })
  o.log(`── v${retrained.version} promoted to champion (${reason})`)
  return true
}
