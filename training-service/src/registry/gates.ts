import type { GateResult } from '../db/schema.ts'

export type { GateResult }

/** Thresholds a candidate must meet to take an alias. */
export type GateConfig = {
  /** how much the candidate's val_auc must exceed the champion's */
  minAucGain: number
  /** upper bound on expected calibration error (val_ece), or the champion's own val_ece where that is higher */
  maxEce: number
  /** budget for the int8 artifact the edge downloads */
  maxInt8SizeBytes: number
  /** budget for one inference, in microseconds */
  maxLatencyUs: number
}

export const DEFAULT_GATE_CONFIG: GateConfig = { minAucGain: 0.002, maxEce: 0.05, maxInt8SizeBytes: 2_000_000, maxLatencyUs: 2_000 }

export const GATE_NAMES = ['beats_champion', 'beats_baseline', 'calibration', 'artifact_size', 'latency'] as const

type Metrics = Record<string, number>

const fmt = (value: number) => Number(value.toFixed(4)).toString()

/** Evaluates every gate (never stops at the first failure, so the caller can report them all). */
export function evaluateGates(candidate: Metrics, champion: Metrics | null, config: GateConfig = DEFAULT_GATE_CONFIG): GateResult[] {
  return [
    beatsChampion(candidate, champion, config.minAucGain),
    beatsBaseline(candidate),
    calibration(candidate, champion, config.maxEce),
    atMost('artifact_size', 'int8_size_bytes', candidate.int8_size_bytes, config.maxInt8SizeBytes, true),
    atMost('latency', 'latency_us', candidate.latency_us, config.maxLatencyUs, true),
  ]
}

function beatsChampion(candidate: Metrics, champion: Metrics | null, minGain: number): GateResult {
  const gate = 'beats_champion'
  if (champion === null) return { gate, passed: true, detail: 'no champion yet' }
  if (candidate.val_auc === undefined) return { gate, passed: false, detail: 'candidate has no val_auc' }
  if (champion.val_auc === undefined) return { gate, passed: true, detail: 'champion has no val_auc to beat' }
  const gain = candidate.val_auc - champion.val_auc
  return {
    gate,
    passed: gain >= minGain,
    detail: `val_auc ${fmt(candidate.val_auc)} vs champion ${fmt(champion.val_auc)}: gain ${fmt(gain)}, need >= ${fmt(minGain)}`,
  }
}

function beatsBaseline(candidate: Metrics): GateResult {
  const gate = 'beats_baseline'
  if (candidate.val_auc === undefined) return { gate, passed: false, detail: 'candidate has no val_auc' }
  if (candidate.baseline_auc === undefined) return { gate, passed: false, detail: 'candidate run recorded no baseline_auc' }
  return {
    gate,
    passed: candidate.val_auc > candidate.baseline_auc,
    detail: `val_auc ${fmt(candidate.val_auc)} vs baseline ${fmt(candidate.baseline_auc)}`,
  }
}

/**
 * No worse calibrated than the bound, or than the champion it would replace: a champion that has drifted past the
 * bound (its val_ece re-measured on recent rows) must not keep the traffic against a better-calibrated candidate.
 */
function calibration(candidate: Metrics, champion: Metrics | null, maxEce: number): GateResult {
  const championEce = champion?.val_ece
  if (championEce === undefined || championEce <= maxEce) return atMost('calibration', 'val_ece', candidate.val_ece, maxEce, false)
  const result = atMost('calibration', 'val_ece', candidate.val_ece, championEce, false)
  return { ...result, detail: `${result.detail} (the champion's, above ${fmt(maxEce)})` }
}

/** `optional` gates pass with a note when the metric is not measured yet (e.g. before quantisation and benchmarking). */
function atMost(gate: string, metric: string, value: number | undefined, bound: number, optional: boolean): GateResult {
  if (value === undefined) {
    return optional
      ? { gate, passed: true, detail: `skipped: candidate has no ${metric} yet` }
      : { gate, passed: false, detail: `candidate has no ${metric}` }
  }
  return { gate, passed: value <= bound, detail: `${metric} ${fmt(value)}, need <= ${fmt(bound)}` }
}
