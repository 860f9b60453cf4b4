import { describe, expect, it } from 'vitest'
import { seededRandom } from '../random.ts'
import { calibrationBins, calibrationNoiseFloor, expectedCalibrationError } from './calibration.ts'

const repeat = <T>(n: number, x: T): T[] => Array.from({ length: n }, () => x)

describe('expected calibration error', () => {
  it('is 0 when each bin observes the rate it predicts', () => {
    // bin [0.1, 0.2): 0.15 with 3 of 20 positive; bin [0.2, 0.3): mean of 0.2 and 0.25 is 0.225, 9 of 40 positive
    const scores = [...repeat(20, 0.15), ...repeat(20, 0.2), ...repeat(20, 0.25)]
    const labels = [...repeat(3, 1), ...repeat(17, 0), ...repeat(9, 1), ...repeat(31, 0)]
    const bins = calibrationBins(labels, scores)
    expect(bins.map((b) => b.count)).toEqual([0, 20, 40, 0, 0, 0, 0, 0, 0, 0])
    expect(expectedCalibrationError(bins)).toBeCloseTo(0, 12)
  })

  it('is 1 − the mean score when every outcome is positive', () => {
    // |1 − 0.15| on a third of the rows, |1 − 0.225| on two thirds: (0.85 + 2 · 0.775) / 3 = 0.8
    const scores = [...repeat(10, 0.15), ...repeat(10, 0.2), ...repeat(10, 0.25)]
    expect(expectedCalibrationError(calibrationBins(repeat(30, 1), scores))).toBeCloseTo(0.8, 12)
  })

  it('weights each bin by its count', () => {
    // bin 1: mean 0.1, observed 1/2 → 0.4 on 2 rows; bin 9: mean 0.9, observed 1 → 0.1 on 3 rows: (0.8 + 0.3) / 5
    expect(expectedCalibrationError(calibrationBins([0, 1, 1, 1, 1], [0.1, 0.1, 0.9, 0.9, 0.9]))).toBeCloseTo(0.22, 12)
  })

  it('puts 1 in the last bin and 0 in the first, and has no value without rows', () => {
    const bins = calibrationBins([1, 0], [1, 0])
    expect([bins[0].count, bins[9].count]).toEqual([1, 1])
    expect(expectedCalibrationError(bins)).toBe(0)
    expect(expectedCalibrationError(calibrationBins([], []))).toBeNaN()
  })
})

describe('calibration noise floor', () => {
  /** scores shaped like the reference model's (most below 0.3, a tail to 0.9) and labels drawn from them */
  function draw(n: number, seed: number, shift = 0) {
    const rand = seededRandom(seed)
    const scores = Float64Array.from({ length: n }, () => Math.min(0.95, 0.02 + rand() ** 3))
    const labels = Uint8Array.from(scores, (s) => (rand() < Math.min(1, s + shift) ? 1 : 0))
    return { scores, labels }
  }

  it('is the mean ECE of a perfectly calibrated model on the same scores, and shrinks as 1/√labels', () => {
    const { scores } = draw(3000, 1)
    const floor = calibrationNoiseFloor(calibrationBins(new Uint8Array(scores.length), scores))
    const rand = seededRandom(2)
    const eces = Array.from({ length: 300 }, () =>
      expectedCalibrationError(
        calibrationBins(
          Uint8Array.from(scores, (s) => (rand() < s ? 1 : 0)),
          scores,
        ),
      ),
    )
    const mean = eces.reduce((a, e) => a + e, 0) / eces.length
    expect(Math.abs(mean - floor) / floor).toBeLessThan(0.1)
    const larger = draw(12_000, 1).scores
    const quarter = calibrationNoiseFloor(calibrationBins(new Uint8Array(larger.length), larger))
    expect(quarter / floor).toBeGreaterThan(0.45)
    expect(quarter / floor).toBeLessThan(0.55)
  })

  it('leaves a real shift well above it, and has no value without rows', () => {
    const { scores, labels } = draw(3000, 3, 0.05)
    const bins = calibrationBins(labels, scores)
    expect(expectedCalibrationError(bins)).toBeGreaterThan(2 * calibrationNoiseFloor(bins))
    expect(calibrationNoiseFloor([])).toBeNaN()
  })
})
