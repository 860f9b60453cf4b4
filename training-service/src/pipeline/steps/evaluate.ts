import { type Evaluation, evaluatePredictions } from '../../train/evaluate.ts'
import type { Featurized } from '../../train/features.ts'
import type { Step } from '../runner.ts'
import type { Ingested } from './ingest.ts'
import type { TrainOutput } from './train.ts'

/** The best trial's validation predictions scored: AUC, calibration, the decision threshold. */
export function evaluateStep(): Step<'evaluate', { ingest: Ingested; featurize: Featurized; train: TrainOutput }, Evaluation> {
  return {
    name: 'evaluate',
    version: 1,
    needs: { ingest: true, featurize: true, train: true },
    params: null,
    cache: true,
    async run(inputs, log) {
      const data = inputs.ingest
      const f = inputs.featurize
      const t = inputs.train
      const e = evaluatePredictions(data.validate, f.validate.labels, t.valPredictions)
      log(
        `AUC ${e.auc.toFixed(4)}, log loss ${e.logLoss.toFixed(4)}, Brier ${e.brier.toFixed(4)}, ECE ${e.ece.toFixed(4)}, threshold ${e.threshold.toFixed(3)} (F1 ${e.f1.toFixed(3)})`,
      )
      return e
    },
  }
}
