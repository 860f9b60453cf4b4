import { calibrationBins, expectedCalibrationError } from '@tarmac/sdk/metrics'
import { seededRandom } from '@tarmac/sdk/random'
import { describe, expect, it } from 'vitest'
import { chanceCalibratedWithin, eceWithDailyRateKnown, type ScoredOutcome } from './calibration-bound.ts'

const DAY_MS = 86_400_000

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z))
const logit = (p: number) => Math.log(p / (1 - p))

/**
 * `n` flights a day scored `score(i)`, each late with probability `truth(day, score)`: labels from a seeded
 * generator, so a test sees one fixed sample.
 */
function days(count: number, n: number, score: (i: number) => number, truth: (day: number, p: number) => number): ScoredOutcome[] {
  const random = seededRandom(7)
  return Array.from({ length: count }, (_, day) =>
    Array.from({ length: n }, (_, i) => {
      const probability = score(i)
      return { at: day * DAY_MS + i * 1000, probability, delayed: random() < truth(day, probability) }
    }),
  ).flat()
}

const ece = (rows: readonly ScoredOutcome[]) =>
  expectedCalibrationError(
    calibrationBins(
      rows.map((r) => (r.delayed ? 1 : 0)),
      rows.map((r) => r.probability),
    ),
  )

describe('eceWithDailyRateKnown', () => {
  it("removes what each day's level alone explains: scores right in shape, off by each day's swing", () => {
    // a week whose days all run later than the scores say, each by its own day-wide shift in logit (weather)
    const shifts = [0.4, 0.9, 0.2, 1.1, 0.6, 0.3, 0.8]
    const rows = days(
      7,
      4000,
      (i) => 0.05 + (0.6 * i) / 4000,
      (day, p) => sigmoid(logit(p) + shifts[day]),
    )
    expect(ece(rows)).toBeGreaterThan(0.03)
    // what is left is the noise of 28,000 labels
    expect(eceWithDailyRateKnown(rows)).toBeLessThan(0.01)
  })

  it('keeps what is wrong within a day: scores that spread where outcomes do not', () => {
    // every day late 20% of the time whatever the score, scored 0.05 or 0.55: the level is right, the shape is not
    const rows = days(
      3,
      4000,
      (i) => (i % 2 === 0 ? 0.05 : 0.55),
      () => 0.2,
    )
    expect(eceWithDailyRateKnown(rows)).toBeGreaterThan(0.1)
  })
})

describe('chanceCalibratedWithin', () => {
  const probabilities = Array.from({ length: 3000 }, (_, i) => 0.05 + (0.5 * i) / 3000)

  it('is how often labels drawn from the probabilities themselves score within the target', () => {
    // a perfectly calibrated model on 3,000 labels shows an ECE of about 0.01–0.02
    expect(chanceCalibratedWithin(probabilities, 0.05)).toBe(1)
    expect(chanceCalibratedWithin(probabilities, 0.002)).toBeLessThan(0.01)
    const middle = chanceCalibratedWithin(probabilities, 0.015)
    expect(middle).toBeGreaterThan(0.05)
    expect(middle).toBeLessThan(0.95)
    // more labels, less noise: the same target is met more often
    const twice = [...probabilities, ...probabilities, ...probabilities, ...probabilities]
    expect(chanceCalibratedWithin(twice, 0.015)).toBeGreaterThan(middle)
  })

  it('is reproducible: the same draws for the same seed', () => {
    expect(chanceCalibratedWithin(probabilities, 0.015, 500, 3)).toBe(chanceCalibratedWithin(probabilities, 0.015, 500, 3))
    expect(chanceCalibratedWithin([], 0.02)).toBeNaN()
  })
})
