/** Performance from score distributions alone: what the edge can compute from histograms before (or without) labels. */
import type { NumericHistogram } from '../drift/profile-types.ts'
import { binRepresentatives } from '../drift/stats.ts'

/**
 * ROC AUC from per-bin counts (or weights) of positives and negatives, bins in ascending score order.
 * Scores within a bin count as ties (half credit), so it equals roc_auc_score on the bin indices; the
 * loss against raw scores is the within-bin ordering.
 */
export function aucFromHistograms(positives: ArrayLike<number>, negatives: ArrayLike<number>): number {
  if (positives.length !== negatives.length) throw new Error(`${positives.length} positive bins but ${negatives.length} negative bins`)
  let below = 0
  let sum = 0
  let p = 0
  for (let i = 0; i < positives.length; i++) {
    sum += positives[i] * (below + negatives[i] / 2)
    below += negatives[i]
    p += positives[i]
  }
  return p > 0 && below > 0 ? sum / p / below : Number.NaN
}

export interface EstimatedPerformance {
  count: number
  /** expected share of correct predictions at the threshold */
  accuracy: number
  /** expected ROC AUC */
  auc: number
  /** share of rows predicted positive */
  positiveRate: number
}

/**
 * Confidence-based performance estimation (NannyML's CBPE): if the scores are calibrated, a row with
 * score p is a positive with probability p, so it adds p to the expected positives and 1 − p to the
 * expected negatives. Expected accuracy sums p over predicted positives and 1 − p over predicted
 * negatives; expected AUC is the AUC of those expected counts (NannyML's ROC over cumulative p and 1 − p,
 * ties at half credit). Only as good as the calibration: check it on labelled data (calibrationBins).
 * A histogram (e.g. a profile's prediction histogram) stands each bin at its midpoint, clamped to [0, 1].
 */
export function estimatedPerformance(input: ArrayLike<number> | NumericHistogram, threshold = 0.5): EstimatedPerformance {
  let values: Float64Array
  let counts: ArrayLike<number>
  if ('kind' in input) {
    values = binRepresentatives(input.edges).map((x) => Math.min(1, Math.max(0, x)))
    counts = input.counts
  } else {
    values = Float64Array.from(input).sort()
    counts = new Float64Array(values.length).fill(1)
  }
  let n = 0
  let correct = 0
  let predictedPositive = 0
  const positives = new Float64Array(values.length)
  const negatives = new Float64Array(values.length)
  for (let i = 0; i < values.length; i++) {
    const p = values[i]
    const c = counts[i]
    n += c
    positives[i] = c * p
    negatives[i] = c * (1 - p)
    if (p >= threshold) {
      correct += c * p
      predictedPositive += c
    } else correct += c * (1 - p)
  }
  // equal scores are ties: each row is its own bin, and equal neighbours in sorted order need merging
  return { count: n, accuracy: correct / n, auc: aucFromTies(values, positives, negatives), positiveRate: predictedPositive / n }
}

/** aucFromHistograms after merging adjacent entries of equal value (values ascending). */
function aucFromTies(values: Float64Array, positives: Float64Array, negatives: Float64Array): number {
  let k = -1
  for (let i = 0; i < values.length; i++) {
    if (k >= 0 && values[i] === values[k]) {
      positives[k] += positives[i]
      negatives[k] += negatives[i]
    } else {
      k++
      values[k] = values[i]
      positives[k] = positives[i]
      negatives[k] = negatives[i]
    }
  }
  return aucFromHistograms(positives.subarray(0, k + 1), negatives.subarray(0, k + 1))
}
