import { type Featurized, featurize } from '../../train/features.ts'
import type { Step } from '../runner.ts'
import type { TrainSettings } from '../settings.ts'
import type { Ingested } from './ingest.ts'

/** Fits the encoder on the training window and encodes both windows. */
export function featurizeStep(
  s: Pick<TrainSettings, 'trainRows' | 'seed' | 'smoothing' | 'folds'>,
): Step<'featurize', { ingest: Ingested }, Featurized> {
  return {
    name: 'featurize',
    version: 1,
    needs: { ingest: true },
    params: { trainRows: s.trainRows, seed: s.seed, smoothing: s.smoothing, folds: s.folds },
    cache: true,
    async run(inputs, log) {
      const data = inputs.ingest
      const f = featurize(data.train, data.validate, { trainRows: s.trainRows, seed: s.seed, smoothing: s.smoothing, folds: s.folds })
      log(
        `encoder fitted on ${data.train.size.toLocaleString('en-US')} rows; ${f.train.rows.toLocaleString('en-US')} training rows, ${f.validate.rows.toLocaleString('en-US')} validation rows, ${f.spec.airports.length - 1} airports`,
      )
      return f
    },
  }
}
