/** Window profiles rebuilt from the hourly D1 aggregates, on the bins of the model's reference profile. */
import { type Histogram, mergeProfiles, type NumericHistogram, type Profile } from '@tarmac/sdk/drift'
import type { ModelManifest } from '@tarmac/sdk/manifest'
import { and, eq, gte, lt } from 'drizzle-orm'
import type { database } from '../db/client.ts'
import { profileCounts } from '../db/schema.ts'
import {
  ERRORS_FEATURE,
  edgeProfileSpec,
  LATENCY_EDGES_MS,
  LATENCY_FEATURE,
  PREDICTION_FEATURE,
  ROWS_FEATURE,
} from '../telemetry/profile.ts'
import { bucketRange, type Window } from './window.ts'

type Db = ReturnType<typeof database>

export interface CountRow {
  hour: string
  feature: string
  bin: number
  count: number
}

export interface WindowProfile {
  /** on the reference's flight features: what detectDrift compares */
  profile: Profile
  latency: NumericHistogram
  /** rows the version failed to score */
  errors: number
}

export function loadCounts(db: Db, model: string, version: number, w: Window): Promise<CountRow[]> {
  const { first, last } = bucketRange(w)
  return db
    .select({ hour: profileCounts.hour, feature: profileCounts.feature, bin: profileCounts.bin, count: profileCounts.count })
    .from(profileCounts)
    .where(
      and(eq(profileCounts.model, model), eq(profileCounts.version, version), gte(profileCounts.hour, first), lt(profileCounts.hour, last)),
    )
}

/** The reference restricted to the features the edge counts (the manifest may profile more). */
export function edgeReference(manifest: ModelManifest): Profile {
  const ref = manifest.referenceProfile
  const names = Object.keys(edgeProfileSpec(ref).features).filter((f) => f !== LATENCY_FEATURE)
  return { ...ref, features: Object.fromEntries(names.map((n) => [n, ref.features[n]])) }
}

function emptyLike<H extends Histogram>(h: H): H {
  const size = h.kind === 'numeric' ? h.edges.length + 1 : h.categories.length + 1
  return { ...h, counts: new Array<number>(size).fill(0) }
}

function add(h: Histogram, bin: number, count: number): void {
  // bins outside the histogram would mean the aggregates were counted on other edges: ignore, never crash the cron
  if (bin >= 0 && bin < h.counts.length) h.counts[bin] += count
}

/** One profile per hour from the stored counts, merged with the SDK's mergeProfiles. */
export function windowProfile(reference: Profile, rows: readonly CountRow[]): WindowProfile {
  const blank = (): WindowProfile => ({
    profile: {
      count: 0,
      features: Object.fromEntries(Object.entries(reference.features).map(([n, h]) => [n, emptyLike(h)])),
      prediction: emptyLike(reference.prediction),
    },
    latency: { kind: 'numeric', edges: LATENCY_EDGES_MS, counts: new Array<number>(LATENCY_EDGES_MS.length + 1).fill(0) },
    errors: 0,
  })
  const hours = new Map<string, WindowProfile>()
  for (const r of rows) {
    const hour = hours.get(r.hour) ?? blank()
    hours.set(r.hour, hour)
    if (r.feature === ROWS_FEATURE) hour.profile.count += r.count
    else if (r.feature === PREDICTION_FEATURE) add(hour.profile.prediction, r.bin, r.count)
    else if (r.feature === LATENCY_FEATURE) add(hour.latency, r.bin, r.count)
    else if (r.feature === ERRORS_FEATURE) hour.errors += r.count
    else if (hour.profile.features[r.feature]) add(hour.profile.features[r.feature], r.bin, r.count)
  }
  return [...hours.values()].reduce(
    (a, b) => ({
      profile: mergeProfiles(a.profile, b.profile),
      latency: { ...a.latency, counts: a.latency.counts.map((c, i) => c + b.latency.counts[i]) },
      errors: a.errors + b.errors,
    }),
    blank(),
  )
}

export const histogramTotal = (h: Histogram) => h.counts.reduce((a, b) => a + b, 0)

/**
 * Quantile of a numeric histogram, linear within the bin that holds it (the first bin starts at 0, as
 * latencies do). In the open last bin only its lower edge is known, so that is the answer: a lower bound.
 */
export function histogramQuantile(h: NumericHistogram, q: number): number | null {
  const n = histogramTotal(h)
  if (n === 0) return null
  const target = q * n
  let below = 0
  for (let i = 0; i < h.counts.length; i++) {
    const c = h.counts[i]
    if (c > 0 && below + c >= target) {
      if (i === h.edges.length) return h.edges[i - 1]
      const lo = i === 0 ? 0 : h.edges[i - 1]
      return lo + ((h.edges[i] - lo) * (target - below)) / c
    }
    below += c
  }
  return h.edges[h.edges.length - 1]
}
