import { NUMERIC_FEATURES } from '@tarmac/sdk/features'
import { auc, logLoss } from '@tarmac/sdk/metrics'
import type { FlightColumns } from '../data/dataset.ts'
import { exportOnnx } from '../export/bundle.ts'
import { originHourBaseline } from '../train/baseline.ts'
import { evaluateHeldOut } from '../train/evaluate.ts'
import { localExecutor } from '../train/executor.ts'
import type { TrialConfig } from '../train/family.ts'
import { type FeaturizeOptions, featurize } from '../train/features.ts'
import { predictEncoded } from '../train/predict.ts'
import type { EncodedSplit } from '../train/trainer.ts'

/** A feature set: the numeric columns a variant keeps (the others are zeroed) and whether it sees airport embeddings. */
export interface AblationVariant {
  name: string
  description: string
  /** the question this variant is an honest answer to */
  honestFor: string
  keep: (feature: string) => boolean
  embeddings: boolean
}

const MINUTE_LEVEL = new Set([
  'departure_sin',
  'departure_cos',
  'flight_rate_logit',
  'flight_log_count',
  'slot_offset_hours',
  'slot_none',
  'slot_rate_logit',
  'slot_log_count',
])
const HOUR_CELLS = ['origin', 'destination', 'route', 'origin_hour', 'destination_hour', 'route_hour']

export const ABLATION_VARIANTS: readonly AblationVariant[] = [
  {
    name: 'full',
    description:
      'every feature: eight rate cells incl. route × minute and the departure slot, hours since the slot, minute of day sin/cos, day of week, distance, airport embeddings',
    honestFor:
      'a prediction at departure: the actual departure minute is known then, and against the route’s departure slots it reveals most of the departure delay',
    keep: () => true,
    embeddings: true,
  },
  {
    name: 'no-minute',
    description: 'the full model without the route × minute cell, the departure slot and the minute sin/cos',
    honestFor: 'at departure, without reading the departure delay off the minute; the hour cells still use the actual hour',
    keep: (f) => !MINUTE_LEVEL.has(f),
    embeddings: true,
  },
  {
    name: 'hour-cells',
    description: 'only the six hour-level rate cells (origin, destination, route, and each × hour) and their counts',
    honestFor:
      'the nearest this data comes to booking time: a flight’s actual hour is the planned one unless it left late past the hour, so still slightly optimistic',
    keep: (f) => HOUR_CELLS.some((c) => f === `${c}_rate_logit` || f === `${c}_log_count`),
    embeddings: false,
  },
]

/** The split with the variant's dropped columns zeroed (a constant carries nothing) and embeddings sent to the unknown index. */
export function maskSplit(split: EncodedSplit, variant: AblationVariant): EncodedSplit {
  const dropped = NUMERIC_FEATURES.flatMap((f, i) => (variant.keep(f) ? [] : [i]))
  const numeric = split.numeric.slice()
  for (let r = 0; r < split.rows; r++) for (const c of dropped) numeric[r * split.width + c] = 0
  const origin = variant.embeddings ? split.origin : new Int32Array(split.rows)
  const destination = variant.embeddings ? split.destination : new Int32Array(split.rows)
  return { ...split, numeric, origin, destination }
}

export interface AblationRow {
  variant: string
  description: string
  honestFor: string
  /** AUC on the selection slice (early stopping chose the epoch here); null for the baseline, which selects nothing */
  selectAuc: number | null
  /** AUC on the report slice, which nothing was tuned on */
  reportAuc: number
  reportLogLoss: number
  /** F1 on the report slice at the threshold chosen on the selection slice */
  reportF1: number | null
  bestEpoch: number | null
}

export interface AblationResult {
  trainRows: number
  selectRows: number
  reportRows: number
  config: TrialConfig
  rows: AblationRow[]
}

/**
 * Trains one configuration per feature set on the same encoded rows, selects on the selection slice and scores
 * on the report slice; the (origin, hour) baseline is scored on the same report rows.
 */
export async function runAblation(
  splits: { train: FlightColumns; validate: FlightColumns; report: FlightColumns },
  options: FeaturizeOptions & { config: TrialConfig; concurrency?: number; log?: (line: string) => void },
): Promise<AblationResult> {
  const f = featurize(splits.train, splits.validate, splits.report, options)
  const shape = { numericWidth: NUMERIC_FEATURES.length, vocab: f.spec.airports.length }
  const masked = ABLATION_VARIANTS.map((v) => ({
    train: maskSplit(f.train, v),
    validate: maskSplit(f.validate, v),
    report: maskSplit(f.report, v),
  }))
  const outcomes = await localExecutor(options.concurrency).run(
    masked.map((m, index) => ({ index, config: options.config, shape, train: m.train, validate: m.validate })),
    { onEpoch: (i, e) => options.log?.(`${ABLATION_VARIANTS[i].name} epoch ${e.epoch}: selection AUC ${e.valAuc.toFixed(4)}`) },
  )
  const rows = outcomes.map((o, i): AblationRow => {
    if (o.status !== 'finished') throw new Error(`ablation ${ABLATION_VARIANTS[i].name}: ${o.error}`)
    const v = ABLATION_VARIANTS[i]
    const reportScores = predictEncoded(exportOnnx(o.result.net, {}).fp32, masked[i].report)
    const e = evaluateHeldOut(
      { rows: splits.validate, labels: f.validate.labels, scores: o.result.valPredictions },
      { rows: splits.report, labels: f.report.labels, scores: reportScores },
    )
    return {
      variant: v.name,
      description: v.description,
      honestFor: v.honestFor,
      selectAuc: e.auc,
      reportAuc: e.report.auc,
      reportLogLoss: e.report.logLoss,
      reportF1: e.report.f1,
      bestEpoch: o.result.bestEpoch,
    }
  })
  const b = originHourBaseline(splits.train, splits.report)
  rows.push({
    variant: 'baseline',
    description: 'the training window’s delay rate of the flight’s (origin, departure hour) cell; no network',
    honestFor: 'the bar every model must beat; it reads the actual departure hour too',
    selectAuc: null,
    reportAuc: auc(b.labels, b.scores),
    reportLogLoss: logLoss(b.labels, b.scores),
    reportF1: null,
    bestEpoch: null,
  })
  return { trainRows: f.train.rows, selectRows: f.validate.rows, reportRows: f.report.rows, config: options.config, rows }
}
