/**
 * Binary classification metrics on labels (0/1) and scores (predicted probability of 1).
 * Inputs are any ArrayLike (Float32Array and Uint8Array from training); sorts are native typed-array
 * sorts, so 1M+ rows take tens of milliseconds. Metrics that are undefined (no positives, no rows) are NaN.
 */

export interface Confusion {
  tp: number
  fp: number
  tn: number
  fn: number
}

export interface F1Point {
  threshold: number
  f1: number
  precision: number
  recall: number
}

function checkInputs(labels: ArrayLike<number>, scores: ArrayLike<number>): void {
  if (labels.length !== scores.length) throw new Error(`${labels.length} labels but ${scores.length} scores`)
}

function isPositive(label: number, row: number): boolean {
  if (label === 1) return true
  if (label === 0) return false
  throw new Error(`label ${label} at row ${row}: labels must be 0 or 1`)
}

/** Scores of the positives and of the negatives, each sorted ascending. */
export function scoresByLabel(labels: ArrayLike<number>, scores: ArrayLike<number>): { positives: Float64Array; negatives: Float64Array } {
  checkInputs(labels, scores)
  let p = 0
  for (let i = 0; i < labels.length; i++) if (isPositive(labels[i], i)) p++
  const positives = new Float64Array(p)
  const negatives = new Float64Array(labels.length - p)
  let a = 0
  let b = 0
  for (let i = 0; i < labels.length; i++) {
    const s = scores[i]
    if (Number.isNaN(s)) throw new Error(`score at row ${i} is NaN`)
    if (labels[i] === 1) positives[a++] = s
    else negatives[b++] = s
  }
  return { positives: positives.sort(), negatives: negatives.sort() }
}

/**
 * Area under the ROC curve = P(score of a positive > score of a negative) + ½·P(tie): the Mann–Whitney
 * U with average ranks for ties, as sklearn's roc_auc_score. One merge pass over the two sorted arrays.
 */
export function auc(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  const { positives, negatives } = scoresByLabel(labels, scores)
  if (positives.length === 0 || negatives.length === 0) return Number.NaN
  let below = 0
  let atOrBelow = 0
  let sum = 0
  for (let i = 0; i < positives.length; i++) {
    const s = positives[i]
    while (below < negatives.length && negatives[below] < s) below++
    if (atOrBelow < below) atOrBelow = below
    while (atOrBelow < negatives.length && negatives[atOrBelow] === s) atOrBelow++
    sum += below + (atOrBelow - below) / 2
  }
  return sum / positives.length / negatives.length
}

const CLIP = 1e-15

/** Mean negative log-likelihood, probabilities clipped to [1e-15, 1 − 1e-15]. */
export function logLoss(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  checkInputs(labels, scores)
  let sum = 0
  for (let i = 0; i < labels.length; i++) {
    const p = Math.min(1 - CLIP, Math.max(CLIP, scores[i]))
    sum -= isPositive(labels[i], i) ? Math.log(p) : Math.log(1 - p)
  }
  return sum / labels.length
}

/** Mean squared error of the probabilities. */
export function brier(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  checkInputs(labels, scores)
  let sum = 0
  for (let i = 0; i < labels.length; i++) sum += (scores[i] - (isPositive(labels[i], i) ? 1 : 0)) ** 2
  return sum / labels.length
}

/** Confusion matrix when a score ≥ threshold predicts 1. */
export function confusionAt(labels: ArrayLike<number>, scores: ArrayLike<number>, threshold = 0.5): Confusion {
  checkInputs(labels, scores)
  const c: Confusion = { tp: 0, fp: 0, tn: 0, fn: 0 }
  for (let i = 0; i < labels.length; i++) {
    const predicted = scores[i] >= threshold
    if (isPositive(labels[i], i)) predicted ? c.tp++ : c.fn++
    else predicted ? c.fp++ : c.tn++
  }
  return c
}

export function accuracyAt(labels: ArrayLike<number>, scores: ArrayLike<number>, threshold = 0.5): number {
  const c = confusionAt(labels, scores, threshold)
  return (c.tp + c.tn) / labels.length
}

/**
 * The threshold (one of the scores; a score ≥ threshold predicts 1) maximizing F1. Thresholds are scanned
 * from the highest down, so among equal F1 the highest threshold wins.
 */
export function bestF1Threshold(labels: ArrayLike<number>, scores: ArrayLike<number>): F1Point {
  const { positives, negatives } = scoresByLabel(labels, scores)
  const best: F1Point = { threshold: Number.NaN, f1: 0, precision: 0, recall: 0 }
  const p = positives.length
  let i = p - 1
  let j = negatives.length - 1
  let tp = 0
  let fp = 0
  while (i >= 0 || j >= 0) {
    const t = Math.max(i >= 0 ? positives[i] : Number.NEGATIVE_INFINITY, j >= 0 ? negatives[j] : Number.NEGATIVE_INFINITY)
    while (i >= 0 && positives[i] === t) {
      tp++
      i--
    }
    while (j >= 0 && negatives[j] === t) {
      fp++
      j--
    }
    const f1 = (2 * tp) / (tp + fp + p)
    if (f1 > best.f1) Object.assign(best, { threshold: t, f1, precision: tp / (tp + fp), recall: tp / p })
  }
  return best
}
