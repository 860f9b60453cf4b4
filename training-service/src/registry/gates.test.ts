import { describe, expect, it } from 'vitest'
import { DEFAULT_GATE_CONFIG, evaluateGates, GATE_NAMES } from './gates.ts'

const good = { val_auc: 0.8, baseline_auc: 0.7, val_ece: 0.02, int8_size_bytes: 50_000, latency_us: 100 }
const failing = (results: ReturnType<typeof evaluateGates>) => results.filter((r) => !r.passed).map((r) => r.gate)

describe('evaluateGates', () => {
  it('passes a good candidate and reports every gate by name', () => {
    const results = evaluateGates(good, { val_auc: 0.79 })
    expect(results.map((r) => r.gate)).toEqual([...GATE_NAMES])
    expect(failing(results)).toEqual([])
  })

  it('passes beats_champion when there is no champion', () => {
    expect(evaluateGates(good, null)[0]).toEqual({ gate: 'beats_champion', passed: true, detail: 'no champion yet' })
  })

  it.each([
    ['beats_champion', { ...good, val_auc: 0.801 }, { val_auc: 0.8 }],
    ['beats_baseline', { ...good, baseline_auc: 0.85 }, null],
    ['beats_baseline', { val_auc: 0.8, val_ece: 0.02 }, null],
    ['calibration', { ...good, val_ece: 0.2 }, null],
    ['calibration', { val_auc: 0.8, baseline_auc: 0.7 }, null],
    ['artifact_size', { ...good, int8_size_bytes: 5_000_000 }, null],
    ['latency', { ...good, latency_us: 1e6 }, null],
  ])('fails %s alone', (gate, candidate, champion) => {
    expect(failing(evaluateGates(candidate, champion))).toEqual([gate])
  })

  it('skips size and latency with a note when they are not measured yet', () => {
    const results = evaluateGates({ val_auc: 0.8, baseline_auc: 0.7, val_ece: 0.02 }, null)
    expect(results.slice(3)).toEqual([
      { gate: 'artifact_size', passed: true, detail: 'skipped: candidate has no int8_size_bytes yet' },
      { gate: 'latency', passed: true, detail: 'skipped: candidate has no latency_us yet' },
    ])
  })

  it("bounds calibration by the champion's own val_ece where that is above the threshold", () => {
    const drifted = { val_auc: 0.75, val_ece: 0.09 }
    expect(failing(evaluateGates({ ...good, val_ece: 0.054 }, drifted))).toEqual([])
    expect(evaluateGates({ ...good, val_ece: 0.054 }, drifted)[2].detail).toBe("val_ece 0.054, need <= 0.09 (the champion's, above 0.05)")
    expect(failing(evaluateGates({ ...good, val_ece: 0.1 }, drifted))).toEqual(['calibration'])
    // a well-calibrated champion leaves the threshold as it is
    expect(failing(evaluateGates({ ...good, val_ece: 0.054 }, { val_auc: 0.75, val_ece: 0.03 }))).toEqual(['calibration'])
  })

  it('uses the configured thresholds', () => {
    const strict = { ...DEFAULT_GATE_CONFIG, minAucGain: 0.05, maxLatencyUs: 50 }
    expect(failing(evaluateGates(good, { val_auc: 0.79 }, strict))).toEqual(['beats_champion', 'latency'])
  })
})
