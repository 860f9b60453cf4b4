import {
  CELL_NAMES,
  type CellName,
  DELAY_THRESHOLD_MINUTES,
  type EncoderSpec,
  encodeFlights,
  encodeTrainingRows,
  type FitOptions,
  type Flight,
  fitEncoder,
  NUMERIC_FEATURES,
} from '@tarmac/sdk/features'
import { auc } from '@tarmac/sdk/metrics'
import { seededSample } from '@tarmac/sdk/random'
import type { FlightColumns } from '../data/dataset.ts'
import type { EncodedSplit } from './trainer.ts'

export function flightsOf(c: FlightColumns, index?: ArrayLike<number>): Flight[] {
  const n = index ? index.length : c.size
  const out: Flight[] = new Array(n)
  for (let i = 0; i < n; i++) {
    const r = index ? index[i] : i
    out[i] = { origin: c.origin[r], destination: c.destination[r], departureMs: c.departureMs[r], distance: c.distance[r] }
  }
  return out
}

/** Labelled rows only: a row without a delay cannot train or evaluate anything. */
export function labelledIndex(c: FlightColumns): Uint32Array {
  const out: number[] = []
  for (let i = 0; i < c.size; i++) if (!Number.isNaN(c.delay[i])) out.push(i)
  return Uint32Array.from(out)
}

export function labelsOf(c: FlightColumns, index: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(index.length)
  for (let i = 0; i < index.length; i++) out[i] = c.delay[index[i]] >= DELAY_THRESHOLD_MINUTES ? 1 : 0
  return out
}

export interface FeaturizeOptions {
  /** rows of the training window the network trains on (all when null); the encoder always sees every row */
  trainRows: number | null
  seed: number
  smoothing: number
  folds: number
  /** cells seen fewer times are left out of the encoder (fitEncoder's default when absent) */
  minCellCount?: FitOptions['minCellCount']
}

/** One rate feature's AUC on its own: on the training rows as the network saw them (out of fold) and on the report slice as served. */
export interface RateFeatureAuc {
  cell: CellName
  oof: number
  holdout: number
}

export interface Featurized {
  spec: EncoderSpec
  train: EncodedSplit
  /** the selection slice: early stopping, trial choice, threshold */
  validate: EncodedSplit
  /** the untouched slice the published metrics come from */
  report: EncodedSplit
  rateAuc: RateFeatureAuc[]
}

function encodeHeldOut(c: FlightColumns, spec: EncoderSpec): EncodedSplit {
  const index = labelledIndex(c)
  return { ...encodeFlights(flightsOf(c, index), spec), width: NUMERIC_FEATURES.length, labels: labelsOf(c, index) }
}

function columnAuc(split: EncodedSplit, column: number): number {
  const values = new Float32Array(split.rows)
  for (let r = 0; r < split.rows; r++) values[r] = split.numeric[r * split.width + column]
  return auc(split.labels, values)
}

/**
 * Each cell's rate alone, ranked against the labels: out of fold on the training rows, as served on the
 * report slice. A training AUC well above the hold-out one means the out-of-fold rates are more informative
 * than anything serving will have, and the network learns to trust them too much.
 */
export function rateFeatureAucs(train: EncodedSplit, holdout: EncodedSplit): RateFeatureAuc[] {
  return CELL_NAMES.map((cell) => {
    const column = NUMERIC_FEATURES.indexOf(`${cell}_rate_logit`)
    return { cell, oof: columnAuc(train, column), holdout: holdout.rows > 0 ? columnAuc(holdout, column) : Number.NaN }
  })
}

/**
 * Fits the encoder on the training window only and encodes train (out of fold), selection and report rows.
 * Nothing here reads a label of the selection or report slices except to attach it to its own rows.
 */
export function featurize(train: FlightColumns, validate: FlightColumns, report: FlightColumns, options: FeaturizeOptions): Featurized {
  const trainIndex = labelledIndex(train)
  const trainFlights = flightsOf(train, trainIndex)
  const trainLabels = labelsOf(train, trainIndex)
  const fitted = fitEncoder(trainFlights, trainLabels, {
    smoothing: options.smoothing,
    folds: options.folds,
    minCellCount: options.minCellCount,
  })
  const sample = options.trainRows === null ? null : seededSample(trainFlights.length, options.trainRows, options.seed)
  const encodedTrain = encodeTrainingRows(fitted, trainFlights, sample ?? undefined)
  const width = NUMERIC_FEATURES.length
  const encoded = { ...encodedTrain, width, labels: sample ? Uint8Array.from(sample, (i) => trainLabels[i]) : trainLabels }
  const reportSplit = encodeHeldOut(report, fitted.spec)
  return {
    spec: fitted.spec,
    train: encoded,
    validate: encodeHeldOut(validate, fitted.spec),
    report: reportSplit,
    rateAuc: rateFeatureAucs(encoded, reportSplit),
  }
}
