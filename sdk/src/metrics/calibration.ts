/**
 * Reliability of predicted probabilities on equal-width bins of [0, 1] — 10 unless asked otherwise, the binning of
 * training's val_ece/report_ece and of the edge's realized ECE per monitoring window and hour, so the figures compare.
 */

export interface CalibrationBin {
  lower: number
  upper: number
  count: number
  /** mean score in the bin; null when the bin is empty */
  meanPredicted: number | null
  /** share of positives in the bin; null when the bin is empty */
  observedRate: number | null
  /** Σ s(1 − s) over the bin's scores: the variance of its positive count were the scores exact probabilities */
  variance: number
}

/** Bin i holds scores in [i/bins, (i+1)/bins); 1 (and anything above) goes to the last bin, anything below 0 to the first. */
export function calibrationBin(score: number, bins = 10): number {
  return Math.min(bins - 1, Math.max(0, Math.floor(score * bins)))
}

/** Reliability per calibrationBin of the scores. */
export function calibrationBins(labels: ArrayLike<number>, scores: ArrayLike<number>, bins = 10): CalibrationBin[] {
  if (labels.length !== scores.length) throw new Error(`${labels.length} labels but ${scores.length} scores`)
  if (!(Number.isInteger(bins) && bins > 0)) throw new Error(`bins must be a positive integer, got ${bins}`)
  const count = new Float64Array(bins)
  const scoreSum = new Float64Array(bins)
  const positives = new Float64Array(bins)
  const variance = new Float64Array(bins)
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]
    const b = calibrationBin(s, bins)
    count[b]++
    scoreSum[b] += s
    positives[b] += labels[i]
    variance[b] += s * (1 - s)
  }
  return Array.from({ length: bins }, (_, b) => ({
    lower: b / bins,
    upper: (b + 1) / bins,
    count: count[b],
    meanPredicted: count[b] > 0 ? scoreSum[b] / count[b] : null,
    observedRate: count[b] > 0 ? positives[b] / count[b] : null,
    variance: variance[b],
  }))
}

/** ECE: the count-weighted mean gap |observed rate − mean predicted| over the bins. */
export function expectedCalibrationError(bins: readonly CalibrationBin[]): number {
  let n = 0
  let sum = 0
  for (const b of bins) {
    if (b.count === 0) continue
    n += b.count
    sum += b.count * Math.abs((b.observedRate as number) - (b.meanPredicted as number))
  }
  return n > 0 ? sum / n : Number.NaN
}

/**
 * The ECE a perfectly calibrated model would still show on these predictions, from sampling alone: each bin's gap
 * |Σ labels − Σ scores| / n is then a sum of independent zero-mean terms, of expected size √(2/π · Σ s(1 − s)) / n
 * (normal approximation). An ECE near this floor is noise, not miscalibration; it shrinks as 1/√labels. NaN
 * without labels.
 */
export function calibrationNoiseFloor(bins: readonly Pick<CalibrationBin, 'count' | 'variance'>[]): number {
  let n = 0
  let sum = 0
  for (const b of bins) {
    n += b.count
    sum += Math.sqrt((2 / Math.PI) * b.variance)
  }
  return n > 0 ? sum / n : Number.NaN
}
