import { describe, expect, it } from 'vitest'
import { trialConfigSchema } from '../../train/family.ts'
import { pickBest, type TrialSummary } from './train.ts'

const config = trialConfigSchema.parse({ family: 'mlp' })
const ok = (valAuc: number, attempts = 1): TrialSummary => ({
  status: 'finished',
  config,
  history: [],
  bestEpoch: 1,
  valAuc,
  seconds: 1,
  backend: 'wasm',
  attempts,
})
const failed = (error: string): TrialSummary => ({ status: 'failed', config, error, attempts: 1 })

describe('choosing the best trial of a sweep', () => {
  it('picks the highest validation AUC among finished trials, skipping failed ones', () => {
    expect(pickBest([ok(0.7), failed('boom'), ok(0.75, 2), ok(0.72)])).toBe(2)
    expect(pickBest([failed('boom'), ok(0.6)])).toBe(1)
  })

  it('fails the sweep, naming every reason, when no trial finished', () => {
    expect(() => pickBest([failed('bad shape'), failed('stalled')])).toThrow('every trial failed (trial 1: bad shape; trial 2: stalled)')
  })
})
