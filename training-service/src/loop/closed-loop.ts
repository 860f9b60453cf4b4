import path from 'node:path'
import { fileURLToPath } from 'node:url'
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
import { aliasHistory, currentVersion } from '../registry/aliases.ts'
import { promote } from '../registry/promote.ts'
import { DEFAULT_SWEEP, type SweepFile } from '../train/sweep.ts'
import { drainTelemetry, type MonitoringRun, runMonitoring } from './monitor-client.ts'
import { sliceByTime, versionAuc } from './offline-eval.ts'
import { type ReplayStats, replayTraffic } from './replay.ts'

const DAY_MS = 86_400_000
const ROOT = fileURLToPath(new URL('../../..', import.meta.url))

export interface LoopOptions {
  dataFile: string
  model: string
  experiment: string
  /** replay one flight in this many */
  sampleEvery: number
  trainRows: number | null
  labelDelayDays: number
  checkpointDays: number
  /** days of labelled replay traffic needed before a retrain */
  minRetrainDays: number
  /** days of canary traffic before the challenger is judged */
  canaryDays: number
  canaryPercent: number
  log: (line: string) => void
}

export interface CheckpointRecord {
  from: string
  to: string
  predictions: number
  versions: {
    version: number
    datasetDrift: boolean
    drifted: string[]
    predictionDrift: boolean
    realizedAuc: number | null
    estimatedAuc: number | null
    labels: number
    latencyP50: number | null
    latencyP99: number | null
  }[]
  alerts: { kind: string; rule: string; version: number }[]
}

export interface LoopSummary {
  data: { dataVersion: string; trainRows: number; replayRows: number }
  champion: { version: number; reportAuc: number; baselineAuc: number }
  checkpoints: CheckpointRecord[]
  firstDrift: string | null
  firstAlert: string | null
  retrain: {
    at: string
    /** the data version pulled from the Worker's capture: what the edge scored, joined with the labels that came back */
    data: { file: string; lineage: Lineage }
    windows: Windows
    version: number
    reportAuc: number
    championAucSameRows: number
  } | null
  promotion: { at: string; version: number; canaryAuc: Record<string, number | null> } | null
  june: Record<string, { auc: number; rows: number }>
  replay: ReplayStats
  aliasHistory: { alias: string; from: number | null; to: number | null; reason: string; at: string }[]
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10)

function checkpointRecord(from: number, to: number, predictions: number, run: MonitoringRun): CheckpointRecord {
  return {
    from: day(from),
    to: day(to - 1),
    predictions,
    versions: run.evaluations.map((e) => ({
      version: e.version,
      datasetDrift: e.drift?.report.datasetDrift ?? false,
      drifted: e.drift?.report.features.filter((f) => f.drifted).map((f) => f.feature) ?? [],
      predictionDrift: e.drift?.report.prediction.drifted ?? false,
      realizedAuc: e.performance.realized.auc,
      estimatedAuc: e.performance.estimated.auc,
      labels: e.performance.realized.labels,
      latencyP50: e.performance.latencyMs.p50,
      latencyP99: e.performance.latencyMs.p99,
    })),
    alerts: run.changes.filter((c) => c.kind !== 'updated').map((c) => ({ kind: c.kind, rule: c.alert.rule, version: c.alert.version })),
  }
}

/**
 * The whole story on the embedded defaults: train → publish to a local Worker → replay April–June with late
 * labels → drift and alerts → retrain on recent labelled data → canary → promote; every step in the registry.
 */
export async function runClosedLoop(home: Home, o: LoopOptions): Promise<LoopSummary> {
  const log = o.log
  const base: TrainSettings = {
    dataFile: o.dataFile,
    windows: DEFAULT_WINDOWS,
    sweep: DEFAULT_SWEEP,
    trainRows: o.trainRows,
    seed: 7,
    smoothing: 20,
    folds: 5,
  }
  log('── train the champion on January–February')
  const first = await trainAndRegister(home, base, { model: o.model, experiment: o.experiment }, log)
  const holder = await currentVersion(home.db, o.model, 'champion')
  if (holder !== first.version) {
    await promote(home.db, o.model, first.version, {
      actor: 'tarmac start',
      reason: `initial champion: report AUC ${first.metrics.report_auc.toFixed(4)} vs baseline ${first.metrics.baseline_auc.toFixed(4)}`,
      force: holder !== null,
    })
  }
  log('── read the replay window')
  const ds = await loadDataset(o.dataFile, { windows: DEFAULT_WINDOWS, progress: createProgress('  read') })
  const description = describeDataset(ds)
  const replay = ds.splits.replay
  const worker = await startLocalWorker({
    root: ROOT,
    persistDir: path.join(home.root, 'edge-state', `${Date.now()}`),
    // a replayed week takes seconds: alias changes must reach the Worker within one
    vars: { CANARY_MODE: 'canary', CANARY_PERCENT: String(o.canaryPercent), MODEL_CACHE_TTL_SECONDS: '1' },
    log,
  })
  const target = { url: worker.url, adminKey: worker.adminKey, model: o.model }
  const summary: LoopSummary = {
    data: { dataVersion: ds.dataVersion, trainRows: description.windows.train.rows, replayRows: replay.size },
    champion: { version: first.version, reportAuc: first.metrics.report_auc, baselineAuc: first.metrics.baseline_auc },
    checkpoints: [],
    firstDrift: null,
    firstAlert: null,
    retrain: null,
    promotion: null,
    june: {},
    replay: { predictions: 0, labels: 0, seconds: 0, versions: {} },
    aliasHistory: [],
  }
  try {
    await publishVersion(home.store, { endpoint: worker.url, adminKey: worker.adminKey }, o.model, first.version, 'champion')
    log(
      `── replay ${DEFAULT_WINDOWS.replay.from}..${DEFAULT_WINDOWS.replay.to} (1 flight in ${o.sampleEvery}), labels ${o.labelDelayDays} days late`,
    )
    const [replayStart] = windowBounds(DEFAULT_WINDOWS.replay)
    let canaryFrom: number | null = null
    summary.replay = await replayTraffic(target, replay, {
      sampleEvery: o.sampleEvery,
      labelDelayDays: o.labelDelayDays,
      checkpointDays: o.checkpointDays,
      batchSize: 500,
      concurrency: 3,
      log,
      onCheckpoint: async (from, to, predictions) => {
        const aggregated = await drainTelemetry(target, from, to, predictions)
        if (aggregated < predictions) log(`  telemetry: ${aggregated} of ${predictions} predictions aggregated after waiting`)
        const record = checkpointRecord(from, to, predictions, await runMonitoring(target, from, to))
        summary.checkpoints.push(record)
        for (const v of record.versions) {
          log(
            `  v${v.version}: drifted [${v.drifted.join(', ') || 'none'}]${v.predictionDrift ? ' + prediction' : ''}, realized AUC ${v.realizedAuc?.toFixed(4) ?? '—'} (${v.labels} labels), estimated ${v.estimatedAuc?.toFixed(4) ?? '—'}`,
          )
        }
        for (const a of record.alerts) log(`  alert ${a.kind}: ${a.rule} on v${a.version}`)
        if (!summary.firstDrift && record.versions.some((v) => v.drifted.length > 0 || v.predictionDrift)) summary.firstDrift = record.from
        const fired = record.alerts.some((a) => a.kind === 'fired')
        if (!summary.firstAlert && fired) summary.firstAlert = record.from
        const labelledUntil = to - o.labelDelayDays * DAY_MS
        if (!summary.retrain && summary.firstAlert && labelledUntil - replayStart >= o.minRetrainDays * DAY_MS) {
          summary.retrain = await retrain(home, o, base, target, replayStart, labelledUntil, first.version)
          await publishVersion(
            home.store,
            { endpoint: worker.url, adminKey: worker.adminKey },
            o.model,
            summary.retrain.version,
            'challenger',
          )
          canaryFrom = to
          log(`── v${summary.retrain.version} published as challenger: ${o.canaryPercent}% canary`)
        } else if (summary.retrain && !summary.promotion && canaryFrom !== null && to - canaryFrom >= o.canaryDays * DAY_MS) {
          summary.promotion = await judgeCanary(home, o, summary, record, worker)
        }
      },
    })
    const [juneFrom, juneTo] = [Date.UTC(2001, 5, 1), Date.UTC(2001, 6, 1)]
    const june = sliceByTime(replay, juneFrom, juneTo)
    for (const v of [first.version, ...(summary.retrain ? [summary.retrain.version] : [])])
      summary.june[`v${v}`] = await versionAuc(home.store, o.model, v, june)
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
 * Retrains on what the edge saw, the way production does: the labelled capture of the replay so far is pulled
 * from the Worker into a data version (tarmac data pull), and the model trains on its last labelled weeks,
 * validated on the latest one. The champion is scored on the same validation rows.
 */
async function retrain(
  home: Home,
  o: LoopOptions,
  base: TrainSettings,
  target: { url: string; adminKey: string; model: string },
  replayStart: number,
  labelledUntil: number,
  championVersion: number,
) {
  o.log(`── pull the labelled capture ${day(replayStart)}..${day(labelledUntil - 1)} from the Worker`)
  const pulled = await pullCapture({
    worker: target.url,
    adminKey: target.adminKey,
    model: o.model,
    from: replayStart,
    to: labelledUntil,
    dir: path.join(home.root, 'data'),
  })
  const { lineage } = pulled
  o.log(
    `  ${lineage.rows.toLocaleString('en-US')} labelled of ${lineage.captured.toLocaleString('en-US')} captured rows (${((lineage.labelCoverage ?? 0) * 100).toFixed(1)}% label coverage) → ${pulled.file}`,
  )
  // the most recent labelled week is held out (its first half selects, the second half reports); whole weeks before it train
  const weeks = Math.max(1, Math.floor((labelledUntil - replayStart) / (7 * DAY_MS)) - 1)
  const windows = trailingWeeks(day(labelledUntil), weeks)
  o.log(
    `── retrain on ${windows.train.from}..${windows.train.to}, select on ${windows.validate.from}..${windows.validate.to}, report on ${windows.report.from}..${windows.report.to}`,
  )
  const sweep: SweepFile = { base: { epochs: 3, batchSize: 1024 }, trials: DEFAULT_SWEEP.trials?.slice(1, 3) ?? [] }
  const trained = await trainAndRegister(
    home,
    { ...base, dataFile: pulled.file, windows, sweep },
    { model: o.model, experiment: o.experiment },
    o.log,
  )
  const report = (await loadDataset(pulled.file, { windows, quarantineDir: path.join(home.root, 'quarantine') })).splits.report
  const champion = await versionAuc(home.store, o.model, championVersion, report)
  o.log(
    `  challenger v${trained.version} report AUC ${trained.metrics.report_auc.toFixed(4)} vs champion v${championVersion} ${champion.auc.toFixed(4)} on the same ${champion.rows} rows`,
  )
  return {
    at: day(labelledUntil),
    data: pulled,
    windows,
    version: trained.version,
    reportAuc: trained.metrics.report_auc,
    championAucSameRows: champion.auc,
  }
}

async function judgeCanary(
  home: Home,
  o: LoopOptions,
  summary: LoopSummary,
  record: CheckpointRecord,
  worker: { url: string; adminKey: string },
) {
  const retrained = summary.retrain!
  const canaryAuc = Object.fromEntries(record.versions.map((v) => [`v${v.version}`, v.realizedAuc]))
  const challengerAuc = canaryAuc[`v${retrained.version}`] ?? null
  const championAuc = canaryAuc[`v${summary.champion.version}`] ?? null
  const reason = `canary ${record.from}..${record.to}: realized AUC v${retrained.version} ${challengerAuc?.toFixed(4)} vs v${summary.champion.version} ${championAuc?.toFixed(4)}; report slice of recent data ${retrained.reportAuc.toFixed(4)} vs ${retrained.championAucSameRows.toFixed(4)}`
  if (challengerAuc === null || championAuc === null || challengerAuc < championAuc) {
    o.log(`── challenger not promoted: ${reason}`)
    return null
  }
  try {
    promote(home.db, o.model, retrained.version, {
      actor: 'tarmac start',
      reason,
      championMetrics: { val_auc: retrained.championAucSameRows },
    })
  } catch (e) {
    if (!(e instanceof TarmacError && e.code === 'gate_failed')) throw e
    o.log(`── challenger not promoted: ${e.message}`)
    return null
  }
  await publishVersion(home.store, { endpoint: worker.url, adminKey: worker.adminKey }, o.model, retrained.version, 'champion')
  o.log(`── v${retrained.version} promoted to champion (${reason})`)
  return { at: record.to, version: retrained.version, canaryAuc }
}
