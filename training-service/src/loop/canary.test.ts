import { describe, expect, it } from 'vitest'
import { type CanaryEvidence, canaryVerdict } from './canary.ts'

const served = (realizedAuc: number | null, errors = 0, predictions = 200): CanaryEvidence => ({ predictions, errors, realizedAuc })
const onLabels = (margin: number) => ({ judgedOnLabels: true, margin })
const promote = { verdict: 'promote' }
const withdraw = (reason: string) => ({ verdict: 'withdraw', reason })

describe('canary verdict', () => {
  it('on labels: passes a challenger within the margin below the champion, and any above it', () => {
    expect(canaryVerdict(served(0.7678), served(0.7784), onLabels(0.02))).toEqual(promote)
    expect(canaryVerdict(served(0.81), served(0.73), onLabels(0.02))).toEqual(promote)
    expect(canaryVerdict(served(0.75), served(0.75), onLabels(0))).toEqual(promote)
  })

  it('on labels: withdraws one that falls further, or that has no realized AUC to judge', () => {
    expect(canaryVerdict(served(0.7114), served(0.7436), onLabels(0.02))).toEqual(
      withdraw("realized AUC 0.7114 more than 0.02 below the champion's 0.7436"),
    )
    expect(canaryVerdict(served(0.7678), served(0.7784), onLabels(0)).verdict).toBe('withdraw')
    expect(canaryVerdict(served(null), served(0.78), onLabels(0.02))).toEqual(withdraw('no realized AUC to compare'))
    expect(canaryVerdict(served(0.78), served(null), onLabels(0.02))).toEqual(withdraw('no realized AUC to compare'))
  })

  it('before labels: judges only whether the challenger served its share without failing', () => {
    const early = { judgedOnLabels: false, margin: 0.02 }
    expect(canaryVerdict(served(null), served(null), early)).toEqual(promote)
    expect(canaryVerdict(served(0.5), served(0.9), early)).toEqual(promote)
    expect(canaryVerdict(served(null, 3, 197), served(null), early)).toEqual(withdraw('failed 3 of 200 rows'))
    // a broken version fails on labels too, before its AUC is looked at
    expect(canaryVerdict(served(0.9, 1), served(0.7), onLabels(0.02))).toEqual(withdraw('failed 1 of 201 rows'))
  })

  it('extends a canary whose challenger has answered nothing yet, and withdraws one that only failed', () => {
    const extend = { verdict: 'extend', reason: 'answered no traffic yet' }
    expect(canaryVerdict(served(null, 0, 0), served(null), { judgedOnLabels: false, margin: 0.02 })).toEqual(extend)
    expect(canaryVerdict(served(null, 0, 0), served(0.8), onLabels(0.02))).toEqual(extend)
    expect(canaryVerdict(served(null, 4, 0), served(null), { judgedOnLabels: false, margin: 0.02 })).toEqual(withdraw('failed 4 of 4 rows'))
  })
})
