import { hashKey } from '../models/canary.ts'

/** Inference capture vars, parsed once per batch; bad values fall back to the defaults rather than dropping capture. */
export interface CaptureConfig {
  /** share of predictions (0–1) whose rows are captured, per model */
  sampleRate(model: string): number
  /** capture objects and per-prediction join rows older than this are deleted by the cron */
  retentionDays: number
}

export function captureConfigOf(env: Env): CaptureConfig {
  const fallback = rate(env.CAPTURE_SAMPLE_RATE, 1)
  const perModel = new Map<string, number>()
  for (const entry of (env.CAPTURE_SAMPLE_RATES ?? '').split(',')) {
    const [model, value] = entry.split('=').map((s) => s.trim())
    if (model && value !== undefined) perModel.set(model, rate(value, fallback))
  }
  const days = Number(env.CAPTURE_RETENTION_DAYS)
  return {
    sampleRate: (model) => perModel.get(model) ?? fallback,
    retentionDays: Number.isFinite(days) && days >= 1 ? days : 90,
  }
}

function rate(value: string | undefined, fallback: number): number {
  const n = Number(value)
  return value !== undefined && value.trim() !== '' && Number.isFinite(n) ? Math.min(1, Math.max(0, n)) : fallback
}

/**
 * Deterministic per prediction id, so a served row and its shadow are captured together and a redelivered
 * event makes the same choice.
 */
export function isSampled(predictionId: string, sampleRate: number): boolean {
  return hashKey(predictionId) % 10_000 < Math.round(sampleRate * 10_000)
}
