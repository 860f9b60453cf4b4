import { auc } from '@tarmac/sdk/metrics'
import { originHourBaseline } from '../../train/baseline.ts'
import type { Step } from '../runner.ts'
import type { Ingested } from './ingest.ts'

export interface Baseline {
  auc: number
  rows: number
}

/** The origin × departure-hour delay rate: the score a model must beat. */
export function baselineStep(): Step<'baseline', { ingest: Ingested }, Baseline> {
  return {
    name: 'baseline',
    // 2: scored on the report slice, like the model's published metrics
    version: 2,
    needs: { ingest: true },
    params: null,
    cache: true,
    async run(inputs, log) {
      const data = inputs.ingest
      const b = originHourBaseline(data.train, data.report)
      const value = auc(b.labels, b.scores)
      log(`origin × departure-hour delay rate: report AUC ${value.toFixed(4)}`)
      return { auc: value, rows: b.labels.length }
    },
  }
}
