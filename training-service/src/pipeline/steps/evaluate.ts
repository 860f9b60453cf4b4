import { exportOnnx } from '../../export/bundle.ts'
import { evaluateHeldOut, type HeldOutEvaluation } from '../../train/evaluate.ts'
import type { Featurized, RateFeatureAuc } from '../../train/features.ts'
import { predictEncoded } from '../../train/predict.ts'
import type { Step } from '../runner.ts'
import type { Ingested } from './ingest.ts'
import type { TrainOutput } from './train.ts'

/** The evaluate step's output: selection and report quality, and the rate features' AUCs beside them. */
export type Evaluated = HeldOutEvaluation & { rateAuc: RateFeatureAuc[] }

/**
 * The best trial scored: the decision threshold chosen on the selection slice (which also chose epochs and
 * trial), the published metrics on the report slice nothing tuned on.
 */
export function evaluateStep(): Step<'evaluate', { ingest: Ingested; featurize: Featurized; train: TrainOutput }, Evaluated> {
  return {
    name: 'evaluate',
    // 2: threshold from the selection slice, metrics on the report slice
    version: 2,
    needs: { ingest: true, featurize: true, train: true },
    params: null,
    cache: true,
    async run(inputs, log) {
      const data = inputs.ingest
      const f = inputs.featurize
      const t = inputs.train
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
}
