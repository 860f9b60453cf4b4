/**
 * Drift of a current profile against the reference profile, feature by feature, with Evidently's
 * default method choice and thresholds, or NannyML-style thresholds learnt from reference chunks.
 */
import { z } from 'zod'
import { assertSameBins } from './profile.ts'
import type { Histogram, Profile } from './profile-types.ts'
import { chiSquareTest, hellinger, jensenShannon, ksTest, psi, wasserstein, zTest } from './stats.ts'

export const DRIFT_METHODS = ['ks', 'chisquare', 'z', 'wasserstein', 'jensenshannon', 'psi', 'hellinger'] as const
export const driftMethodSchema = z.enum(DRIFT_METHODS)
export type DriftMethod = z.infer<typeof driftMethodSchema>

export const featureDriftSchema = z.object({
  feature: z.string(),
  kind: z.enum(['numeric', 'categorical']),
  method: driftMethodSchema,
  /** KS D, chi-square χ², |z|, or the distance */
  statistic: z.number(),
  pValue: z.number().optional(),
  threshold: z.number(),
  /** p-value tests drift when pValue < threshold; distances and chunk thresholds when statistic ≥ threshold */
  thresholdOn: z.enum(['pValue', 'statistic']),
  thresholdSource: z.enum(['default', 'override', 'reference-chunks']),
  drifted: z.boolean(),
})
export const driftReportSchema = z.object({
  features: z.array(featureDriftSchema),
  prediction: featureDriftSchema,
  datasetDrift: z.boolean(),
  /** drifted features / features; the prediction is not a feature */
  driftedShare: z.number(),
  referenceCount: z.number(),
  currentCount: z.number(),
})
export type FeatureDrift = z.infer<typeof featureDriftSchema>
export type DriftReport = z.infer<typeof driftReportSchema>

export interface FeatureDriftOptions {
  method?: DriftMethod
  threshold?: number
}

export interface DetectOptions {
  /** per-feature method and/or threshold, overriding the defaults */
  features?: Record<string, FeatureDriftOptions>
  prediction?: FeatureDriftOptions
  /** dataset drift when at least this share of features drift (Evidently: 0.5) */
  driftShare?: number
  /**
   * NannyML-style thresholds: profiles of equal-size chunks of the reference. Each feature's threshold
   * becomes mean + sigmas·σ of its statistic over the chunks (chunk vs whole reference), unless overridden.
   * Chunks should be about the size of the current window: χ² and KS D depend on sample size.
   */
  referenceChunks?: readonly Profile[]
  sigmas?: number
}

const P_VALUE_METHODS: ReadonlySet<DriftMethod> = new Set(['ks', 'chisquare', 'z'])
const NUMERIC_ONLY: ReadonlySet<DriftMethod> = new Set(['ks', 'wasserstein'])
// Evidently's StatTest defaults: 0.05 for the p-value tests, 0.1 for wasserstein, jensenshannon, psi, hellinger.
const DEFAULT_THRESHOLD: Record<DriftMethod, number> = {
  ks: 0.05,
  chisquare: 0.05,
  z: 0.05,
  wasserstein: 0.1,
  jensenshannon: 0.1,
  psi: 0.1,
  hellinger: 0.1,
}

function total(h: Histogram): number {
  return h.counts.reduce((a, b) => a + b, 0)
}

/**
 * Evidently's default test (legacy stattests/registry.py `_get_default_stattest`): with ≤ 1000 reference
 * values, numeric → KS, categorical → chi-square, or the z-test when ≤ 2 distinct values; with more,
 * numeric → Wasserstein (normed), categorical → Jensen–Shannon. Numeric features with ≤ 5 distinct values
 * are treated as categorical. Distinct values are counted over both samples; here: bins non-empty in either.
 */
export function defaultMethod(reference: Histogram, current: Histogram): DriftMethod {
  let distinct = 0
  for (let i = 0; i < reference.counts.length; i++) if (reference.counts[i] + current.counts[i] > 0) distinct++
  const categorical = reference.kind === 'categorical' || distinct <= 5
  if (total(reference) <= 1000) return categorical ? (distinct <= 2 ? 'z' : 'chisquare') : 'ks'
  return categorical ? 'jensenshannon' : 'wasserstein'
}

/** The statistic (and p-value for tests) of one method on two histograms of the same bins. */
export function driftStatistic(method: DriftMethod, reference: Histogram, current: Histogram): { statistic: number; pValue?: number } {
  if (NUMERIC_ONLY.has(method) && reference.kind !== 'numeric') throw new Error(`${method} needs ordered (numeric) bins`)
  const r = reference.counts
  const c = current.counts
  switch (method) {
    case 'ks':
      return ksTest(r, c)
    case 'chisquare':
      return chiSquareTest(r, c)
    case 'z': {
      const t = zTest(r, c)
      return { statistic: Math.abs(t.statistic), pValue: t.pValue }
    }
    case 'wasserstein':
      return { statistic: wasserstein(reference.kind === 'numeric' ? reference.edges : [], r, c).statistic }
    case 'jensenshannon':
      // Evidently calls scipy's jensenshannon with the default natural log; its 0.1 threshold assumes that base.
      return { statistic: jensenShannon(r, c, Math.E) }
    case 'psi':
      return { statistic: psi(r, c) }
    case 'hellinger':
      return { statistic: hellinger(r, c) }
  }
}

function chunkThreshold(statistics: number[], sigmas: number): number {
  const mean = statistics.reduce((a, b) => a + b, 0) / statistics.length
  const variance = statistics.reduce((a, s) => a + (s - mean) ** 2, 0) / statistics.length
  return mean + sigmas * Math.sqrt(variance)
}

function featureDrift(
  feature: string,
  reference: Histogram,
  current: Histogram,
  chunks: Histogram[],
  options: FeatureDriftOptions,
  sigmas: number,
): FeatureDrift {
  const method = options.method ?? defaultMethod(reference, current)
  const { statistic, pValue } = driftStatistic(method, reference, current)
  const base = { feature, kind: reference.kind, method, statistic, ...(pValue === undefined ? {} : { pValue }) }
  if (options.threshold === undefined && chunks.length > 0) {
    const threshold = chunkThreshold(
      chunks.map((h) => driftStatistic(method, reference, h).statistic),
      sigmas,
    )
    return { ...base, threshold, thresholdOn: 'statistic', thresholdSource: 'reference-chunks', drifted: statistic >= threshold }
  }
  const threshold = options.threshold ?? DEFAULT_THRESHOLD[method]
  const thresholdSource = options.threshold === undefined ? 'default' : 'override'
  if (P_VALUE_METHODS.has(method)) {
    return { ...base, threshold, thresholdOn: 'pValue', thresholdSource, drifted: (pValue as number) < threshold }
  }
  return { ...base, threshold, thresholdOn: 'statistic', thresholdSource, drifted: statistic >= threshold }
}

/** Compares two profiles counted on the same spec; throws if their bins differ or a histogram is empty. */
export function detectDrift(reference: Profile, current: Profile, options: DetectOptions = {}): DriftReport {
  assertSameBins(reference, current)
  const chunks = options.referenceChunks ?? []
  for (const chunk of chunks) assertSameBins(reference, chunk)
  const sigmas = options.sigmas ?? 3
  const unknown = Object.keys(options.features ?? {}).filter((f) => !reference.features[f])
  if (unknown.length > 0) throw new Error(`drift options name features not in the profile: ${unknown.join(', ')}`)
  const features = Object.keys(reference.features).map((name) =>
    featureDrift(
      name,
      reference.features[name],
      current.features[name],
      chunks.map((c) => c.features[name]),
      options.features?.[name] ?? {},
      sigmas,
    ),
  )
  const prediction = featureDrift(
    'prediction',
    reference.prediction,
    current.prediction,
    chunks.map((c) => c.prediction),
    options.prediction ?? {},
    sigmas,
  )
  const drifted = features.filter((f) => f.drifted).length
  const driftedShare = features.length > 0 ? drifted / features.length : 0
  return {
    features,
    prediction,
    // Evidently: dataset_drift = share_drifted_features >= drift_share
    datasetDrift: features.length > 0 && driftedShare >= (options.driftShare ?? 0.5),
    driftedShare,
    referenceCount: reference.count,
    currentCount: current.count,
  }
}
