import { describe, expect, it } from 'vitest'
import { median, percentile } from './stats.ts'

describe('bench statistics', () => {
  it('takes the median of odd and even samples without reordering the input', () => {
    const sample = [9, 1, 5]
    expect(median(sample)).toBe(5)
    expect(sample).toEqual([9, 1, 5])
    expect(median([4, 1, 3, 2])).toBe(2.5)
    expect(median([])).toBeNaN()
  })

  it('takes nearest-rank percentiles of a sorted sample', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1)
    expect(percentile(sorted, 50)).toBe(50)
    expect(percentile(sorted, 99)).toBe(99)
    expect(percentile(sorted, 100)).toBe(100)
  })
})
