import { type Bins, createProfiler, FLIGHT_FEATURES, type Profile, type ProfileSpec } from '@tarmac/sdk/drift'
import type { PredictionEvent } from './events.ts'

/** Latency has no training reference: the edge owns these bins (ms). */
export const LATENCY_EDGES_MS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000]
export const LATENCY_FEATURE = 'latency_ms'
export const PREDICTION_FEATURE = 'prediction'
/** bin 0 holds the number of predictions */
export const ROWS_FEATURE = 'rows'
/** bin 0 holds the number of rows that failed */
export const ERRORS_FEATURE = 'errors'

export interface BinCount {
  feature: string
  bin: number
  count: number
}

/** The reference profile's bins for the flight features the edge sees, plus latency. */
export function edgeProfileSpec(reference: Profile): ProfileSpec {
  const features: Record<string, Bins> = {}
  for (const name of FLIGHT_FEATURES) {
    const h = reference.features[name]
    if (h) features[name] = h.kind === 'numeric' ? { kind: 'numeric', edges: h.edges } : { kind: 'categorical', categories: h.categories }
  }
  features[LATENCY_FEATURE] = { kind: 'numeric', edges: LATENCY_EDGES_MS }
  return { features, prediction: { kind: 'numeric', edges: reference.prediction.edges } }
}

/** Counts events with the SDK's profiler (the same binning as training and the CLI); only non-empty bins. */
export function countEvents(spec: ProfileSpec, events: readonly PredictionEvent[]): BinCount[] {
  const profiler = createProfiler(spec)
  for (const e of events) {
    const raw: Record<string, string | number> = { ...e.features, [LATENCY_FEATURE]: e.latencyMs }
    for (const feature of Object.keys(spec.features)) profiler.add(feature, raw[feature])
    profiler.addPrediction(e.probability)
  }
  const profile = profiler.profile()
  const out: BinCount[] = [{ feature: ROWS_FEATURE, bin: 0, count: profile.count }]
  const push = (feature: string, counts: number[]) => {
    for (let bin = 0; bin < counts.length; bin++) if (counts[bin] > 0) out.push({ feature, bin, count: counts[bin] })
  }
  for (const [feature, h] of Object.entries(profile.features)) push(feature, h.counts)
  push(PREDICTION_FEATURE, profile.prediction.counts)
  return out
}
