import {
  DELAY_THRESHOLD_MINUTES,
  type EncoderSpec,
  encodeFlights,
  encodeTrainingRows,
  type Flight,
  fitEncoder,
  NUMERIC_FEATURES,
} from '@tarmac/sdk/features'
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
}

export interface Featurized {
  spec: EncoderSpec
  train: EncodedSplit
  validate: EncodedSplit
}

/** Fits the encoder on the training window only and encodes train (out of fold) and validation rows. */
export function featurize(train: FlightColumns, validate: FlightColumns, options: FeaturizeOptions): Featurized {
  const trainIndex = labelledIndex(train)
  const trainFlights = flightsOf(train, trainIndex)
  const trainLabels = labelsOf(train, trainIndex)
  const fitted = fitEncoder(trainFlights, trainLabels, { smoothing: options.smoothing, folds: options.folds })
  const sample = options.trainRows === null ? null : seededSample(trainFlights.length, options.trainRows, options.seed)
  const encodedTrain = encodeTrainingRows(fitted, trainFlights, sample ?? undefined)
  const validateIndex = labelledIndex(validate)
  const encodedValidate = encodeFlights(flightsOf(validate, validateIndex), fitted.spec)
  const width = NUMERIC_FEATURES.length
  return {
    spec: fitted.spec,
    train: { ...encodedTrain, width, labels: sample ? Uint8Array.from(sample, (i) => trainLabels[i]) : trainLabels },
    validate: { ...encodedValidate, width, labels: labelsOf(validate, validateIndex) },
  }
}
