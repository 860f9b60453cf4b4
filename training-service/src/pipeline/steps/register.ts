import type { Db } from '../../db/open.ts'
import type { ParityReport } from '../../export/parity.ts'
import type { ArtifactStore } from '../../tracking/artifact-store.ts'
import type { Featurized } from '../../train/features.ts'
import { registerExport } from '../register.ts'
import type { Step } from '../runner.ts'
import type { Baseline } from './baseline.ts'
import type { Evaluated } from './evaluate.ts'
import type { ExportOutput } from './export.ts'
import type { Ingested } from './ingest.ts'
import type { TrainOutput } from './train.ts'

/** Where the register step writes: the registry and artifact store of a home, for the tracked run `runId`. */
export interface RegisterTarget {
  db: Db
  store: ArtifactStore
  runId: string
  model: string
}

export interface RegisterInputs {
  ingest: Ingested
  baseline: Baseline
  featurize: Featurized
  train: TrainOutput
  evaluate: Evaluated
  export: ExportOutput
  verify: ParityReport
}

/** The verified export registered as the model's next version: blobs, manifest, registry row. */
export function registerStep(to: RegisterTarget): Step<'register', RegisterInputs, { version: number }> {
  return {
    name: 'register',
    version: 1,
    needs: { ingest: true, baseline: true, featurize: true, train: true, evaluate: true, export: true, verify: true },
    params: { model: to.model },
    cache: true,
    async run(r, stepLog) {
      const manifest = await registerExport(to.db, to.store, {
        name: to.model,
        runId: to.runId,
        dataVersion: r.ingest.dataVersion,
        family: r.train.trials[r.train.best].config.family,
        models: { fp32: r.export.fp32, int8: r.export.int8 },
        encoder: r.featurize.spec,
        threshold: r.evaluate.threshold,
        metrics: summaryMetrics(r),
        parity: parityMetrics(r.verify),
        referenceProfile: r.export.referenceProfile,
        embedded: r.train.net.embeddings.length > 0,
      })
      stepLog(`registered ${manifest.name} version ${manifest.version}`)
      return { version: manifest.version }
    },
  }
}

/**
 * The final numbers of a training run: logged on the run and snapshotted on the model version (gates read them).
 * `val_*` is the selection slice (it chose epochs, trial and threshold); `report_*` and `baseline_auc` the untouched one.
 */
export function summaryMetrics(r: Pick<RegisterInputs, 'baseline' | 'evaluate' | 'export' | 'verify'>): Record<string, number> {
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
