import { seededPermutation, seededRandom } from '@tarmac/sdk/random'
import { describe, expect, it } from 'vitest'
import { calibrationBounds, type ServedRow, servedPerformance } from './served.ts'

const DAY_MS = 86_400_000
const APRIL_1 = Date.parse('2001-04-01')

/** 200 flights a day over two weeks, served by v1, 30 of them a day by a canary v2; late as scored. */
function capture(): ServedRow[] {
  const random = seededRandom(11)
  const rows: ServedRow[] = []
  for (let day = 0; day < 14; day++)
    for (let i = 0; i < 200; i++) {
      const probability = 0.05 + 0.5 * random()
      rows.push({ at: APRIL_1 + day * DAY_MS + i * 60_000, version: i < 30 ? 2 : 1, probability, delayed: random() < probability })
    }
  return rows
}

// with labels two days late, a week's monitoring has the labels of its first four days: 4 × 170 of v1
const week = { from: '2001-04-01', to: '2001-04-07', version: 1, labels: 680 }

describe('calibrationBounds', () => {
  it("bounds a week on the rows its monitoring judged: the champion's, with labels due by the week's end", () => {
    const [bound] = calibrationBounds(capture(), [week], 2, 0.02)
    expect(bound.eceWithDailyRateKnown).toBeGreaterThan(0)
    expect(bound.chanceCalibratedWithinTarget).toBeGreaterThan(0)
    // another count than the monitoring's is another sample: no bound rather than a wrong one
    expect(calibrationBounds(capture(), [{ ...week, labels: 679 }], 2, 0.02)).toEqual([
      { eceWithDailyRateKnown: null, chanceCalibratedWithinTarget: null },
    ])
    // labels one day late: five days are back by the week's end
    expect(calibrationBounds(capture(), [{ ...week, labels: 850 }], 1, 0.02)[0].eceWithDailyRateKnown).not.toBeNull()
    expect(calibrationBounds(capture(), [{ ...week, version: 2, labels: 120 }], 2, 0.02)[0].eceWithDailyRateKnown).not.toBeNull()
  })

  it('gives the same figures whatever order the capture yields its rows in', () => {
    const rows = capture()
    const shuffled = Array.from(seededPermutation(rows.length, 5), (i) => rows[i])
    const weeks = [week, { from: '2001-04-08', to: '2001-04-14', version: 1, labels: 680 }]
    expect(calibrationBounds(shuffled, weeks, 2, 0.02)).toEqual(calibrationBounds(rows, weeks, 2, 0.02))
  })
})

describe('servedPerformance', () => {
  it('counts every labelled answer of the window, by the version that gave it', () => {
    const served = servedPerformance(capture(), APRIL_1 + 7 * DAY_MS, APRIL_1 + 14 * DAY_MS)
    expect(served.labels).toBe(1400)
    expect(served.versions).toEqual({ v1: 1190, v2: 210 })
    expect(served.auc).toBeGreaterThan(0.5)
    expect(servedPerformance(capture(), 0, APRIL_1)).toEqual({ labels: 0, auc: null, ece: null, versions: {} })
  })
})
