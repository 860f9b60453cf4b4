import { describe, expect, it } from 'vitest'
import { calibrationBins, expectedCalibrationError } from './calibration.ts'
import { accuracyAt, auc, bestF1Threshold, brier, confusionAt, logLoss } from './classification.ts'
import { aucFromHistograms, estimatedPerformance } from './estimated.ts'
import fixtures from './fixtures/fixtures.json'

/** ≤ 1e-9 relative, or 1e-15 absolute around an exact zero. */
function close(actual: number, expected: number): void {
  const tolerance = 1e-9 * Math.abs(expected) + 1e-15
  if (!(Math.abs(actual - expected) <= tolerance)) expect.fail(`${actual} is not within ${tolerance} of ${expected}`)
}

describe.each(fixtures.cases)('$name', (c) => {
  // the training pipeline's typed arrays; the fixture scores are float32-exact
  const labels = Uint8Array.from(c.labels)
  const scores = Float32Array.from(c.scores)

  it('AUC equals the Mann–Whitney U with average ranks (NaN with one class)', () => {
    if (c.auc === null) expect(auc(labels, scores)).toBeNaN()
    else close(auc(labels, scores), c.auc)
  })
  it('log loss, Brier, confusion and accuracy match numpy', () => {
    close(logLoss(labels, scores), c.logLoss)
    close(brier(labels, scores), c.brier)
    expect(confusionAt(labels, scores, 0.5)).toEqual(c.confusion)
    close(accuracyAt(labels, scores), c.accuracy)
  })
  it('calibration bins and ECE match numpy', () => {
    const bins = calibrationBins(labels, scores)
    bins.forEach((b, i) => {
      const e = c.calibration[i]
      expect(b.count).toBe(e.count)
      if (e.meanPredicted === null) expect(b.meanPredicted).toBeNull()
      else close(b.meanPredicted as number, e.meanPredicted)
      if (e.observedRate === null) expect(b.observedRate).toBeNull()
      else close(b.observedRate as number, e.observedRate)
    })
    close(expectedCalibrationError(bins), c.ece)
  })
  it('best F1 threshold matches a brute-force scan', () => {
    const best = bestF1Threshold(labels, scores)
    expect(best.threshold).toBe(c.bestF1.threshold)
    close(best.f1, c.bestF1.f1)
    close(best.precision, c.bestF1.precision)
    close(best.recall, c.bestF1.recall)
  })
  it('CBPE estimates match NannyML-style expected ROC and accuracy', () => {
    const e = estimatedPerformance(scores)
    close(e.accuracy, c.estimated.accuracy)
    close(e.auc, c.estimated.auc)
    close(e.positiveRate, c.estimated.positiveRate)
  })
})

describe('histogram metrics', () => {
  it('aucFromHistograms equals the AUC of bin indices on the expanded sample', () => {
    close(aucFromHistograms(fixtures.histogramAuc.positives, fixtures.histogramAuc.negatives), fixtures.histogramAuc.auc)
    expect(aucFromHistograms([0, 0], [1, 2])).toBeNaN()
  })
  it('estimatedPerformance of a prediction histogram uses clamped bin midpoints', () => {
    const h = fixtures.estimatedHistogram
    const e = estimatedPerformance({ kind: 'numeric', edges: h.edges, counts: h.counts })
    close(e.accuracy, h.accuracy)
    close(e.auc, h.auc)
    close(e.positiveRate, h.positiveRate)
    expect(e.count).toBe(1800)
  })
})

describe('inputs', () => {
  it('rejects non-binary labels, NaN scores and length mismatches', () => {
    expect(() => auc([0, 2], [0.1, 0.2])).toThrow(/0 or 1/)
    expect(() => auc([0, 1], [0.1, Number.NaN])).toThrow(/NaN/)
    expect(() => brier([0, 1], [0.1])).toThrow(/2 labels but 1 scores/)
  })
})
