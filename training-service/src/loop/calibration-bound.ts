import { calibrationBin, calibrationBins, expectedCalibrationError } from '@tarmac/sdk/metrics'
import { seededRandom } from '@tarmac/sdk/random'

/**
 * How far a week's calibration error could fall at all, from two sides: sampling (what a perfectly calibrated
 * model would show on the same predictions) and the day-to-day swing of the late share (what knowing each day's
 * share in advance would leave). Both read the served predictions and their labels, as the capture holds them.
 */

export interface ScoredOutcome {
  /** event time (epoch ms): the day it belongs to */
  at: number
  probability: number
  delayed: boolean
}

const DAY_MS = 86_400_000
const BINS = 10
const EDGE = 1e-7

const logit = (p: number) => {
  const q = Math.min(1 - EDGE, Math.max(EDGE, p))
  return Math.log(q / (1 - q))
}
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z))

/** The shift s for which Σ sigmoid(z + s) equals `positives` (bisection: the sum grows with s). */
function levelShift(logits: readonly number[], positives: number): number {
  let lo = -30
  let hi = 30
  for (let i = 0; i < 80; i++) {
    const mid = (lo + hi) / 2
    let sum = 0
    for (const z of logits) sum += sigmoid(z + mid)
    if (sum > positives) hi = mid
    else lo = mid
  }
  return (lo + hi) / 2
}

/**
 * The ECE left were each day's share of late flights known in advance: every score of a day moved in logit by the
 * one amount that makes the day's mean score its observed share. No deployed model knows a day's outcomes before
 * it ends, so this is a bound on what any recalibration of the day's level could reach, not a method.
 */
export function eceWithDailyRateKnown(rows: readonly ScoredOutcome[]): number {
  const days = new Map<number, ScoredOutcome[]>()
  for (const r of rows) {
    const day = Math.floor(r.at / DAY_MS)
    const list = days.get(day)
    if (list) list.push(r)
    else days.set(day, [r])
  }
  const labels: number[] = []
  const scores: number[] = []
  for (const list of days.values()) {
    const logits = list.map((r) => logit(r.probability))
    const shift = levelShift(
      logits,
      list.reduce((n, r) => n + (r.delayed ? 1 : 0), 0),
    )
    for (const [i, r] of list.entries()) {
      labels.push(r.delayed ? 1 : 0)
      scores.push(sigmoid(logits[i] + shift))
    }
  }
  return expectedCalibrationError(calibrationBins(labels, scores, BINS))
}

/**
 * The chance that a perfectly calibrated model shows an ECE of at most `target` on these predictions: labels drawn
 * as coin flips with the predicted probabilities, `draws` times from a seeded generator, scored on the monitoring's
 * 10 equal-width bins. The noise floor is this distribution's mean; this is how often it stays under a target.
 */
export function chanceCalibratedWithin(probabilities: readonly number[], target: number, draws = 2000, seed = 1): number {
  const n = probabilities.length
  if (n === 0) return Number.NaN
  const bin = Uint8Array.from(probabilities, (p) => calibrationBin(p, BINS))
  const expected = new Float64Array(BINS)
  for (const [i, p] of probabilities.entries()) expected[bin[i]] += p
  const random = seededRandom(seed)
  const positives = new Float64Array(BINS)
  let within = 0
  for (let d = 0; d < draws; d++) {
    positives.fill(0)
    for (let i = 0; i < n; i++) if (random() < probabilities[i]) positives[bin[i]]++
    // a bin's count × |observed − mean predicted| is |positives − Σ scores|
    let gap = 0
    for (let b = 0; b < BINS; b++) gap += Math.abs(positives[b] - expected[b])
    if (gap / n <= target) within++
  }
  return within / draws
}
