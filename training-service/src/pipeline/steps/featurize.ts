import { type Featurized, featurize } from '../../train/features.ts'
import type { Step } from '../runner.ts'
import type { TrainSettings } from '../settings.ts'
import type { Ingested } from './ingest.ts'

/** Fits the encoder on the training window and encodes the training, selection and report windows. */
export function featurizeStep(
  s: Pick<TrainSettings, 'trainRows' | 'seed' | 'smoothing' | 'folds'>,
): Step<'featurize', { ingest: Ingested }, Featurized> {
  return {
    name: 'featurize',
    // 2: week-block folds, the report slice, rate-feature AUCs
    version: 3,
    needs: { ingest: true },
    params: { trainRows: s.trainRows, seed: s.seed, smoothing: s.smoothing, folds: s.folds },
    cache: true,
    async run(inputs, log) {
      const data = inputs.ingest
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
}
