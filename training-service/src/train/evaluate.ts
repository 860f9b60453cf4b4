import { departureParts } from '@tarmac/sdk/features'
import {
  accuracyAt,
  auc,
  bestF1Threshold,
  brier,
  calibrationBins,
  confusionAt,
  expectedCalibrationError,
  logLoss,
} from '@tarmac/sdk/metrics'
import type { FlightColumns } from '../data/dataset.ts'
import { labelledIndex } from './features.ts'

export interface SliceMetrics {
  slice: string
  rows: number
  delayRate: number
  auc: number | null
}

export interface Evaluation {
  rows: number
  auc: number
  logLoss: number
  brier: number
  threshold: number
  f1: number
  precision: number
  recall: number
  accuracy: number
  ece: number
  calibration: ReturnType<typeof calibrationBins>
  slices: SliceMetrics[]
}

const HOUR_BANDS: [string, number, number][] = [
  ['hours 00–05', 0, 6],
  ['hours 06–11', 6, 12],
  ['hours 12–17', 12, 18],
  ['hours 18–23', 18, 24],
]

function sliceMetrics(name: string, rows: number[], labels: Uint8Array, scores: Float32Array): SliceMetrics {
  const y = Uint8Array.from(rows, (r) => labels[r])
  const s = Float32Array.from(rows, (r) => scores[r])
  const positives = y.reduce((a, b) => a + b, 0)
  return {
    slice: name,
    rows: rows.length,
    delayRate: rows.length ? positives / rows.length : 0,
    auc: positives > 0 && positives < rows.length ? auc(y, s) : null,
  }
}

/** The F1 point of a threshold chosen elsewhere (on the selection slice): no peeking at these labels. */
function f1At(labels: Uint8Array, scores: Float32Array, threshold: number) {
  const c = confusionAt(labels, scores, threshold)
  const precision = c.tp + c.fp > 0 ? c.tp / (c.tp + c.fp) : 0
  const recall = c.tp + c.fn > 0 ? c.tp / (c.tp + c.fn) : 0
  return { threshold, precision, recall, f1: precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0 }
}

/**
 * Quality on a held-out window: ranking, probability quality, the decision threshold and slices by the
 * busiest origins and by time of day — a model can win overall and lose a hub. Without `threshold` the
 * threshold is chosen here (max F1): only on the selection slice; the report slice is given the selection's.
 */
export function evaluatePredictions(
  validate: FlightColumns,
  labels: Uint8Array,
  scores: Float32Array,
  options: { threshold?: number; topOrigins?: number } = {},
): Evaluation {
  const topOrigins = options.topOrigins ?? 10
  const index = labelledIndex(validate)
  if (index.length !== labels.length) throw new Error(`evaluation: ${labels.length} labels for ${index.length} labelled rows`)
  const best = options.threshold === undefined ? bestF1Threshold(labels, scores) : f1At(labels, scores, options.threshold)
  const byOrigin = new Map<string, number[]>()
  const byBand: number[][] = HOUR_BANDS.map(() => [])
  for (let i = 0; i < index.length; i++) {
    const r = index[i]
    const origin = validate.origin[r]
    const rows = byOrigin.get(origin) ?? []
    if (rows.length === 0) byOrigin.set(origin, rows)
    rows.push(i)
    const hour = departureParts(validate.departureMs[r]).hour
    byBand[HOUR_BANDS.findIndex(([, from, to]) => hour >= from && hour < to)].push(i)
  }
  const busiest = [...byOrigin.entries()].sort((a, b) => b[1].length - a[1].length).slice(0, topOrigins)
  const calibration = calibrationBins(labels, scores, 10)
  return {
    rows: labels.length,
    auc: auc(labels, scores),
    logLoss: logLoss(labels, scores),
    brier: brier(labels, scores),
    threshold: best.threshold,
    f1: best.f1,
    precision: best.precision,
    recall: best.recall,
    accuracy: accuracyAt(labels, scores, best.threshold),
    ece: expectedCalibrationError(calibration),
    calibration,
    slices: [
      ...busiest.map(([origin, rows]) => sliceMetrics(`origin ${origin}`, rows, labels, scores)),
      ...HOUR_BANDS.map(([name], b) => sliceMetrics(name, byBand[b], labels, scores)),
    ],
  }
}

/** Selection-slice quality (it picked the threshold) and report-slice quality at that same threshold. */
export type HeldOutEvaluation = Evaluation & { report: Evaluation }

export function evaluateHeldOut(
  select: { rows: FlightColumns; labels: Uint8Array; scores: Float32Array },
  report: { rows: FlightColumns; labels: Uint8Array; scores: Float32Array },
): HeldOutEvaluation {
  const chosen = evaluatePredictions(select.rows, select.labels, select.scores)
  return { ...chosen, report: evaluatePredictions(report.rows, report.labels, report.scores, { threshold: chosen.threshold }) }
}
