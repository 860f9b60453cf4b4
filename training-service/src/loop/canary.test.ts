import { describe, expect, it } from 'vitest'
import { type CanaryEvidence, canaryVerdict } from './canary.ts'

const served = (realizedAuc: number | null, errors = 0, predictions = 200): CanaryEvidence => ({ predictions, errors, realizedAuc })
const onLabels = (margin: number) => ({ judgedOnLabels: true, margin })

describe('canary verdict', () => {
  it('on labels: passes a challenger within the margin below the champion, and any above it', () => {
    expect(canaryVerdict(served(0.7678), served(0.7784), onLabels(0.02))).toBeNull()
    expect(canaryVerdict(served(0.81), served(0.73), onLabels(0.02))).toBeNull()
    expect(canaryVerdict(served(0.75), served(0.75), onLabels(0))).toBeNull()
  })

  it('on labels: withdraws one that falls further, or that has no realized AUC to judge', () => {
    expect(canaryVerdict(served(0.7114), served(0.7436), onLabels(0.02))).toMatch(/0\.7114 more than 0\.02 below the champion's 0\.7436/)
    expect(canaryVerdict(served(0.7678), served(0.7784), onLabels(0))).not.toBeNull()
    expect(canaryVerdict(served(null), served(0.78), onLabels(0.02))).toBe('no realized AUC to compare')
    expect(canaryVerdict(served(0.78), served(null), onLabels(0.02))).toBe('no realized AUC to compare')
  })

  it('before labels: judges only whether the challenger served its share without failing', () => {
    const early = { judgedOnLabels: false, margin: 0.02 }
    expect(canaryVerdict(served(null), served(null), early)).toBeNull()
    expect(canaryVerdict(served(0.5), served(0.9), early)).toBeNull()
    expect(canaryVerdict(served(null, 0, 0), served(null), early)).toBe('answered no traffic')
    expect(canaryVerdict(served(null, 3, 197), served(null), early)).toBe('failed 3 of 200 rows')
    // a broken version fails on labels too, before its AUC is looked at
    expect(canaryVerdict(served(0.9, 1), served(0.7), onLabels(0.02))).toBe('failed 1 of 201 rows')
  })
})
