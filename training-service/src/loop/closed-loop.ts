import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadDataset } from '../data/dataset.ts'
import { describeDataset } from '../data/describe.ts'
import { DEFAULT_WINDOWS, isoDay, type Windows, windowBounds } from '../data/windows.ts'
import type { Home } from '../home.ts'
import { startLocalWorker } from '../local/edge-worker.ts'
import type { TrainSettings } from '../pipeline/settings.ts'
import { trainAndRegister } from '../pipeline/tracked-train.ts'
import { createProgress } from '../progress.ts'
import { publishVersion } from '../publish/edge-client.ts'
import { aliasHistory, currentVersion } from '../registry/aliases.ts'
import type { GateConfig } from '../registry/gates.ts'
import { promote } from '../registry/promote.ts'
import { DEFAULT_SWEEP, type SweepFile } from '../train/sweep.ts'
import { judgeCanary } from './judge-canary.ts'
import { drainTelemetry, type MonitoringRun, runMonitoring } from './monitor-client.ts'
import { sliceByTime, versionMetrics } from './offline-eval.ts'
import { WEEKLY_ECE_TARGET } from './promoted.ts'
import { type ReplayStats, replayedFlights, replayTraffic } from './replay.ts'
import { type RetrainRecord, retrainOnCapture, weeksAvailable } from './retrain.ts'
import {
  type CalibrationBound,
  calibrationBounds,
  type JudgedWeek,
  readServed,
  type ServedPerformance,
  servedPerformance,
} from './served.ts'

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
  served: (JudgedWeek & {
    realizedAuc: number | null
    ece: number | null
    eceNoiseFloor: number | null
  } & CalibrationBound)[]
  replay: ReplayStats
  aliasHistory: { alias: string; from: number | null; to: number | null; reason: string; at: string }[]
  /** the local Worker's state folder: `tarmac dashboard` and the monitoring API read it after the run */
  edgeState: string
}

function checkpointRecord(from: number, to: number, predictions: number, champion: number, run: MonitoringRun): CheckpointRecord {
  return {
    from: isoDay(from),
    to: isoDay(to - 1),
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
      to: record.to,
      version: record.champion,
      realizedAuc: served?.realizedAuc ?? null,
      ece: served?.ece ?? null,
      eceNoiseFloor: served?.eceNoiseFloor ?? null,
      labels: served?.labels ?? 0,
      // filled in from the capture once the replay has ended
      eceWithDailyRateKnown: null,
      chanceCalibratedWithinTarget: null,
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
    const [replayStart, replayEnd] = windowBounds(windows.replay)
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
          await drainTelemetry(target, onCanary.from, to, onCanary.predictions)
          const onLabels = o.canaryDays > o.labelDelayDays
          const judged = await judgeCanary(home, {
            worker: target,
            model: o.model,
            from: onCanary.from,
            to,
            onLabels,
            margin: o.canaryMargin,
            gates: o.gates,
            actor: ACTOR,
            // the window's evaluation, when it is the monitoring window that just ended
            realizedAuc:
              onLabels && record?.from === isoDay(onCanary.from)
                ? Object.fromEntries(record.versions.map((v) => [`v${v.version}`, v.realizedAuc]))
                : undefined,
          })
          if (judged.outcome === 'extended') log(`── v${judged.challenger} stays on canary another day: ${judged.reason}`)
          else {
            const retrained = onCanary.record
            retrained.canary = { from: judged.from, to: judged.to, served: judged.served, realizedAuc: judged.realizedAuc }
            retrained.outcome = judged.outcome === 'promoted' ? 'promoted' : 'canary'
            if (judged.outcome === 'promoted') summary.finalChampion = judged.challenger
            log(`── v${judged.challenger} ${judged.outcome === 'promoted' ? 'promoted to champion' : 'withdrawn'}: ${judged.reason}`)
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
        const retrained = await retrainOnCapture(home, {
          worker: target,
          model: o.model,
          experiment: o.experiment,
          labelledUntil,
          weeks: weeksAvailable(replayStart, labelledUntil, o.retrainWeeks),
          training: {
            ...base,
            sweep: o.retrainSweep ?? { base: { epochs: 3, batchSize: 1024 }, trials: DEFAULT_SWEEP.trials?.slice(1, 3) ?? [] },
          },
          actor: ACTOR,
          log,
        })
        summary.retrains.push(retrained)
        if (retrained.outcome === 'gate') return
        onCanary = { record: retrained, from: to, predictions: 0 }
        log(`  ${o.canaryPercent}% canary for ${o.canaryDays} day(s)`)
      },
    })
    // every labelled answer, read back from the capture once: the served month, and how far each week's ECE could fall
    const served = await readServed(target, replayStart, replayEnd)
    const bounds = calibrationBounds(served, summary.served, o.labelDelayDays, WEEKLY_ECE_TARGET)
    summary.served = summary.served.map((w, i) => ({ ...w, ...bounds[i] }))
    // the replay's last calendar month, scored offline for every version: how each would have done there
    const lastMonthStart = Date.UTC(new Date(replayEnd - 1).getUTCFullYear(), new Date(replayEnd - 1).getUTCMonth(), 1)
    // the replayed routes only: a model retrained on the capture has never seen the others
    const month = replayedFlights(sliceByTime(replay, lastMonthStart, replayEnd), o.sampleEvery)
    const versions = [first.version, ...summary.retrains.map((r) => r.version)]
    const scored = await Promise.all(versions.map((v) => versionMetrics(home.store, o.model, v, month)))
    summary.lastMonth = {
      month: isoDay(lastMonthStart).slice(0, 7),
      rows: scored[0].rows,
      auc: Object.fromEntries(versions.map((v, i) => [`v${v}`, scored[i].auc])),
      trainedOnIt: summary.retrains.filter((r) => windowBounds(r.windows.report)[1] > lastMonthStart).map((r) => `v${r.version}`),
      served: servedPerformance(served, lastMonthStart, replayEnd),
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
