import path from 'node:path'
import { fitReferenceProfileSpec, type Profile, profileFlights } from '@tarmac/sdk/drift'
import { NUMERIC_FEATURES } from '@tarmac/sdk/features'
import { auc } from '@tarmac/sdk/metrics'
import { createTsEvaluator } from '@tarmac/sdk/onnx'
import { type LoadedDataset, loadDataset, sha256File } from '../data/dataset.ts'
import type { Windows } from '../data/windows.ts'
import { exportOnnx } from '../export/bundle.ts'
import { checkParity, type ParityReport } from '../export/parity.ts'
import { createProgress } from '../progress.ts'
import { originHourBaseline } from '../train/baseline.ts'
import { evaluateHeldOut, type HeldOutEvaluation } from '../train/evaluate.ts'
import { localExecutor, type TrialExecutor, type TrialOutcome } from '../train/executor.ts'
import { type Featurized, featurize, flightsOf, labelledIndex, type RateFeatureAuc } from '../train/features.ts'
import { predictEncoded } from '../train/predict.ts'
import { expandSweep, type SweepFile } from '../train/sweep.ts'
import type { EpochRecord, TrialResult } from '../train/trainer.ts'
import { loadBag, saveBag } from './bag.ts'
import type { Step } from './runner.ts'

/** Rows every runtime is compared on; int8 vs fp32 quality is measured on the whole validation window. */
const PARITY_SAMPLE_ROWS = 20_000

export interface TrainSettings {
  dataFile: string
  windows: Windows
  sweep: SweepFile
  /** training-window rows the networks train on; null = all (`--full`) */
  trainRows: number | null
  seed: number
  smoothing: number
  folds: number
  /** parallel trials; defaults to the number of cores */
  concurrency?: number
  /** where the trials run: worker threads here (the default) or BullMQ workers; not part of the cache key */
  executor?: TrialExecutor
}

export type Ingested = Pick<LoadedDataset, 'dataVersion' | 'sourceSha256' | 'counts' | 'quarantineFile'> & {
  train: LoadedDataset['splits']['train']
  validate: LoadedDataset['splits']['validate']
  report: LoadedDataset['splits']['report']
}

/** One trial of the sweep as recorded: `attempts` counts its starts (more than 1 when a worker was lost). */
export type TrialSummary =
  | {
      status: 'finished'
      config: TrialResult['config']
      history: EpochRecord[]
      bestEpoch: number
      valAuc: number
      seconds: number
      backend: string
      attempts: number
    }
  | { status: 'failed'; config: TrialResult['config']; error: string; attempts: number }

export interface TrainOutput {
  trials: TrialSummary[]
  /** index of the best finished trial */
  best: number
  net: TrialResult['net']
  valPredictions: Float32Array
}

export interface ExportOutput {
  fp32: Uint8Array
  int8: Uint8Array
  referenceProfile: Profile
  /** µs per row of the TS evaluator on the int8 model, single-row calls */
  latencyUs: number
}

/** The evaluate step's output: selection and report quality, and the rate features' AUCs beside them. */
export type Evaluated = HeldOutEvaluation & { rateAuc: RateFeatureAuc[] }

export interface TrainHooks {
  /** a trial finished: the caller records it as a child run */
  onTrial?: (index: number, trial: TrialSummary) => void | Promise<void>
}

/** The finished trial with the best validation AUC; failed trials are skipped, and if every trial failed, so does the sweep. */
export function pickBest(trials: TrialSummary[]): number {
  let best = -1
  trials.forEach((t, i) => {
    if (t.status !== 'finished') return
    const current = trials[best]
    if (best < 0 || (current.status === 'finished' && t.valAuc > current.valAuc)) best = i
  })
  if (best < 0) {
    const reasons = trials.map((t, i) => (t.status === 'failed' ? `trial ${i + 1}: ${t.error}` : '')).filter(Boolean)
    throw new Error(`every trial failed (${reasons.join('; ')})`)
  }
  return best
}

function summarize(outcome: TrialOutcome, config: TrialResult['config'], labels: Uint8Array): TrialSummary {
  if (outcome.status === 'failed') return { status: 'failed', config, error: outcome.error, attempts: outcome.attempts }
  const r = outcome.result
  return {
    status: 'finished',
    config: r.config,
    history: r.history,
    bestEpoch: r.bestEpoch,
    valAuc: auc(labels, r.valPredictions),
    seconds: r.seconds,
    backend: r.backend,
    attempts: outcome.attempts,
  }
}

/** Finished trials an earlier attempt of this very step (same key, so same sweep and inputs) checkpointed. */
async function loadCheckpoints(configs: TrialResult['config'][], dirOf: (index: number) => string): Promise<Map<number, TrialOutcome>> {
  const found = new Map<number, TrialOutcome>()
  for (const [index, config] of configs.entries()) {
    // a missing or unreadable checkpoint only means the trial runs again
    const outcome = await loadBag<TrialOutcome>(dirOf(index)).catch(() => null)
    if (outcome?.status === 'finished' && JSON.stringify(outcome.result.config) === JSON.stringify(config)) found.set(index, outcome)
  }
  return found
}

/** The training DAG: ingest → (baseline ‖ featurize) → train → evaluate → export → verify. */
export function trainSteps(s: TrainSettings, hooks: TrainHooks = {}): Step[] {
  const ingest: Step<Ingested> = {
    name: 'ingest',
    // 2: the report slice
    version: 2,
    needs: [],
    params: { windows: s.windows },
    cache: true,
    fingerprint: () => sha256File(s.dataFile),
    async run(_inputs, log) {
      const ds = await loadDataset(s.dataFile, { windows: s.windows, progress: createProgress('  ingest') })
      log(`${ds.counts.valid.toLocaleString('en-US')} valid rows, ${ds.counts.quarantined} quarantined, data version ${ds.dataVersion}`)
      const { dataVersion, sourceSha256, counts, quarantineFile } = ds
      return {
        dataVersion,
        sourceSha256,
        counts,
        quarantineFile,
        train: ds.splits.train,
        validate: ds.splits.validate,
        report: ds.splits.report,
      }
    },
  }
  const baseline: Step<{ auc: number; rows: number }> = {
    name: 'baseline',
    // 2: scored on the report slice, like the model's published metrics
    version: 2,
    needs: ['ingest'],
    params: null,
    cache: true,
    async run(inputs, log) {
      const data = inputs.ingest as Ingested
      const b = originHourBaseline(data.train, data.report)
      const value = auc(b.labels, b.scores)
      log(`origin × departure-hour delay rate: report AUC ${value.toFixed(4)}`)
      return { auc: value, rows: b.labels.length }
    },
  }
  const featurizeStep: Step<Featurized> = {
    name: 'featurize',
    // 2: week-block folds, the report slice, rate-feature AUCs
    version: 2,
    needs: ['ingest'],
    params: { trainRows: s.trainRows, seed: s.seed, smoothing: s.smoothing, folds: s.folds },
    cache: true,
    async run(inputs, log) {
      const data = inputs.ingest as Ingested
      const f = featurize(data.train, data.validate, data.report, {
        trainRows: s.trainRows,
        seed: s.seed,
        smoothing: s.smoothing,
        folds: s.folds,
      })
      log(
        `encoder fitted on ${data.train.size.toLocaleString('en-US')} rows; ${f.train.rows.toLocaleString('en-US')} training rows, ${f.validate.rows.toLocaleString('en-US')} selection rows, ${f.report.rows.toLocaleString('en-US')} report rows, ${f.spec.airports.length - 1} airports`,
      )
      log(`rate AUC out of fold → report: ${f.rateAuc.map((r) => `${r.cell} ${r.oof.toFixed(3)}→${r.holdout.toFixed(3)}`).join(', ')}`)
      return f
    },
  }
  const train: Step<TrainOutput> = {
    name: 'train',
    // 2: trials carry their status and attempts
    version: 2,
    needs: ['featurize'],
    // how many trials run at once and where does not change a trial's weights (seeded): not in the key
    params: { sweep: expandSweep(s.sweep) },
    cache: true,
    async run(inputs, log, checkpoints) {
      const f = inputs.featurize as Featurized
      const configs = expandSweep(s.sweep)
      const shape = { numericWidth: NUMERIC_FEATURES.length, vocab: f.spec.airports.length }
      const executor = s.executor ?? localExecutor(s.concurrency)
      const trialDir = (index: number) => path.join(checkpoints, `trial-${index + 1}`)
      const earlier = await loadCheckpoints(configs, trialDir)
      const jobs = configs
        .map((config, index) => ({ index, config, shape, train: f.train, validate: f.validate }))
        .filter((job) => !earlier.has(job.index))
      if (earlier.size > 0) log(`${earlier.size} of ${configs.length} trials finished in an earlier attempt: taken from its checkpoints`)
      log(
        `${jobs.length} trial${jobs.length === 1 ? '' : 's'} ${executor.name === 'local' ? `on up to ${s.concurrency ?? 'all'} cores` : `on ${executor.name} workers`}`,
      )
      const fresh =
        jobs.length === 0
          ? []
          : await executor.run(jobs, {
              onEpoch: (i, e) =>
                log(
                  `trial ${i + 1}/${configs.length} ${configs[i].family} epoch ${e.epoch}: loss ${e.trainLoss.toFixed(4)} val AUC ${e.valAuc.toFixed(4)} (${e.seconds.toFixed(1)}s)`,
                ),
              // a finished trial is kept at once: if this process dies, the next attempt starts after it
              onOutcome: async (o) => {
                if (o.status !== 'finished') return
                await saveBag(trialDir(o.index), o)
                log(`trial ${o.index + 1}/${configs.length} checkpointed`)
              },
              log,
            })
      const outcomes: TrialOutcome[] = configs.map((_, i) => earlier.get(i) ?? (fresh.find((o) => o.index === i) as TrialOutcome))
      const trials = outcomes.map((o, i) => summarize(o, configs[i], f.validate.labels))
      for (const [i, t] of trials.entries()) await hooks.onTrial?.(i, t)
      const failed = trials.filter((t) => t.status === 'failed').length
      if (failed > 0) log(`${failed} of ${trials.length} trials failed; the best is chosen among the others`)
      const best = pickBest(trials)
      const chosen = outcomes[best] as Extract<TrialOutcome, { status: 'finished' }>
      log(`best: trial ${best + 1} (${trials[best].config.family}) val AUC ${(trials[best] as { valAuc: number }).valAuc.toFixed(4)}`)
      return { trials, best, net: chosen.result.net, valPredictions: chosen.result.valPredictions }
    },
  }
  const evaluate: Step<Evaluated> = {
    name: 'evaluate',
    // 2: threshold from the selection slice, metrics on the report slice
    version: 2,
    needs: ['ingest', 'featurize', 'train'],
    params: null,
    cache: true,
    async run(inputs, log) {
      const data = inputs.ingest as Ingested
      const f = inputs.featurize as Featurized
      const t = inputs.train as TrainOutput
      const reportScores = predictEncoded(exportOnnx(t.net, {}).fp32, f.report)
      const e = evaluateHeldOut(
        { rows: data.validate, labels: f.validate.labels, scores: t.valPredictions },
        { rows: data.report, labels: f.report.labels, scores: reportScores },
      )
      const r = e.report
      log(`selection: AUC ${e.auc.toFixed(4)}, threshold ${e.threshold.toFixed(3)} (F1 ${e.f1.toFixed(3)})`)
      log(
        `report (untouched): AUC ${r.auc.toFixed(4)}, log loss ${r.logLoss.toFixed(4)}, Brier ${r.brier.toFixed(4)}, ECE ${r.ece.toFixed(4)}, F1 ${r.f1.toFixed(3)} at the selection threshold`,
      )
      return { ...e, rateAuc: f.rateAuc }
    },
  }
  const exportStep: Step<ExportOutput> = {
    name: 'export',
    version: 2,
    needs: ['ingest', 'featurize', 'train'],
    params: null,
    cache: true,
    async run(inputs, log) {
      const data = inputs.ingest as Ingested
      const t = inputs.train as TrainOutput
      const models = exportOnnx(t.net, { producer: 'tarmac', data_version: data.dataVersion })
      // The reference is the validation window as the model will be served: out of sample, served encoding.
      const validateFlights = flightsOf(data.validate, labelledIndex(data.validate))
      const spec = fitReferenceProfileSpec(validateFlights, t.valPredictions)
      const referenceProfile = profileFlights(validateFlights, t.valPredictions, spec)
      const latencyUs = singleRowLatencyUs(models.int8, inputs.featurize as Featurized)
      log(
        `model.onnx ${models.fp32.byteLength} bytes, model.int8.onnx ${models.int8.byteLength} bytes (${((100 * models.int8.byteLength) / models.fp32.byteLength).toFixed(0)}%), ${latencyUs.toFixed(1)} µs/row`,
      )
      return { ...models, referenceProfile, latencyUs }
    },
  }
  const verify: Step<ParityReport> = {
    name: 'verify',
    version: 1,
    needs: ['featurize', 'train', 'export'],
    params: null,
    cache: true,
    async run(inputs, log) {
      const f = inputs.featurize as Featurized
      const t = inputs.train as TrainOutput
      const x = inputs.export as ExportOutput
      const report = await checkParity(x.fp32, x.int8, f.validate, t.valPredictions, f.validate.labels, PARITY_SAMPLE_ROWS)
      log(
        `fp32 max |Δ| vs TF.js: ort-node ${report.fp32.ort_node.toExponential(1)}, ort-web ${report.fp32.ort_web.toExponential(1)}, ts ${report.fp32.ts.toExponential(1)}; int8 vs fp32 ${report.int8VsFp32.toFixed(4)}, AUC ${report.aucFp32.toFixed(4)} → ${report.aucInt8.toFixed(4)}`,
      )
      if (!report.passed) throw new Error(`parity check failed: ${report.failures.join('; ')}`)
      return report
    },
  }
  return [ingest, baseline, featurizeStep, train, evaluate, exportStep, verify]
}

/** Median µs of one single-row prediction with the pure-TS evaluator: the latency the edge's fast path pays. */
function singleRowLatencyUs(model: Uint8Array, f: Featurized): number {
  const evaluator = createTsEvaluator(model)
  const w = f.validate.width
  const times: number[] = []
  for (let r = 0; r < 2000; r++) {
    const row = r % f.validate.rows
    const inputs = {
      numeric: f.validate.numeric.subarray(row * w, row * w + w),
      origin: f.validate.origin.subarray(row, row + 1),
      destination: f.validate.destination.subarray(row, row + 1),
    }
    const start = performance.now()
    evaluator.run(inputs, 1)
    times.push(performance.now() - start)
  }
  times.sort((a, b) => a - b)
  return times[times.length >> 1] * 1000
}

export interface TrainResults {
  ingest: Ingested
  baseline: { auc: number; rows: number }
  train: TrainOutput
  evaluate: Evaluated
  export: ExportOutput
  verify: ParityReport
}

/**
 * The final numbers of a training run: logged on the run and snapshotted on the model version (gates read them).
 * `val_*` is the selection slice (it chose epochs, trial and threshold); `report_*` and `baseline_auc` the untouched one.
 */
export function summaryMetrics(r: Pick<TrainResults, 'baseline' | 'evaluate' | 'export' | 'verify'>): Record<string, number> {
  const e = r.evaluate
  const rep = e.report
  return {
    report_auc: rep.auc,
    report_log_loss: rep.logLoss,
    report_brier: rep.brier,
    report_ece: rep.ece,
    report_accuracy: rep.accuracy,
    report_f1: rep.f1,
    report_rows: rep.rows,
    ...Object.fromEntries(
      e.rateAuc.flatMap((a) => [
        [`rate_auc_oof_${a.cell}`, a.oof],
        [`rate_auc_report_${a.cell}`, a.holdout],
      ]),
    ),
    val_auc: e.auc,
    val_log_loss: e.logLoss,
    val_brier: e.brier,
    val_ece: e.ece,
    val_accuracy: e.accuracy,
    val_f1: e.f1,
    threshold: e.threshold,
    baseline_auc: r.baseline.auc,
    fp32_size_bytes: r.export.fp32.byteLength,
    int8_size_bytes: r.export.int8.byteLength,
    int8_val_auc: r.verify.aucInt8,
    latency_us: r.export.latencyUs,
  }
}

export function parityMetrics(p: ParityReport): Record<string, number> {
  return {
    fp32_max_abs_diff_ort_node: p.fp32.ort_node,
    fp32_max_abs_diff_ort_web: p.fp32.ort_web,
    fp32_max_abs_diff_ts: p.fp32.ts,
    int8_max_abs_diff_ort_web: p.int8Runtimes.ort_web,
    int8_max_abs_diff_ts: p.int8Runtimes.ts,
    int8_max_abs_diff_vs_fp32: p.int8VsFp32,
    auc_fp32: p.aucFp32,
    auc_int8: p.aucInt8,
    rows: p.rows,
  }
}
