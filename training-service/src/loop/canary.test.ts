import { describe, expect, it } from 'vitest'
import { canaryPasses } from './canary.ts'

describe('canary verdict', () => {
  it('passes a challenger within the margin below the champion, and any above it', () => {
    expect(canaryPasses(0.7678, 0.7784, 0.02)).toBe(true)
    expect(canaryPasses(0.81, 0.73, 0.02)).toBe(true)
    expect(canaryPasses(0.75, 0.75, 0)).toBe(true)
  })

  it('withdraws one that falls further, or that has no realized AUC to judge', () => {
    expect(canaryPasses(0.7114, 0.7436, 0.02)).toBe(false)
    expect(canaryPasses(0.7678, 0.7784, 0)).toBe(false)
    expect(canaryPasses(null, 0.78, 0.02)).toBe(false)
    expect(canaryPasses(0.78, null, 0.02)).toBe(false)
  })
})
