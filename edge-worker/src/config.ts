/** Vars parsed once per request; bad values fall back to safe defaults rather than failing requests. */
export type CanaryMode = 'shadow' | 'canary' | 'off'
export type EnginePreference = 'ts' | 'ort'

export interface EdgeConfig {
  canaryPercent: number
  canaryMode: CanaryMode
  cacheTtlMs: number
  maxBatchRows: number
  maxBodyBytes: number
  corsOrigins: string[]
  engine: EnginePreference
}

export function configOf(env: Env): EdgeConfig {
  return {
    canaryPercent: clamp(numberOr(env.CANARY_PERCENT, 0), 0, 100),
    canaryMode: env.CANARY_MODE === 'canary' || env.CANARY_MODE === 'shadow' ? env.CANARY_MODE : 'off',
    cacheTtlMs: Math.max(0, numberOr(env.MODEL_CACHE_TTL_SECONDS, 30)) * 1000,
    maxBatchRows: Math.max(1, numberOr(env.MAX_BATCH_ROWS, 1000)),
    maxBodyBytes: Math.max(1024, numberOr(env.MAX_BODY_BYTES, 1 << 20)),
    corsOrigins: (env.CORS_ORIGINS ?? '')
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean),
    engine: env.ENGINE === 'ort' ? 'ort' : 'ts',
  }
}

function numberOr(value: string | undefined, fallback: number): number {
  const n = Number(value)
  return value !== undefined && value !== '' && Number.isFinite(n) ? n : fallback
}

function clamp(n: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, n))
}
