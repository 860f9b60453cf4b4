/**
 * Profiles: counts on fixed bins, so drift is computed from small mergeable summaries and raw rows never
 * travel. The reference (training window) fixes the bins; everything else is counted into them.
 */
import type { Flight } from '../features/encoder.ts'
import { departureParts } from '../features/keys.ts'
import type { Bins, CategoricalBins, Histogram, NumericBins, NumericHistogram, Profile, ProfileSpec } from './profile-types.ts'

export const FLIGHT_FEATURES = ['origin', 'destination', 'departure_hour', 'day_of_week', 'distance'] as const

/** Inner cut points at the reference's quantiles (numpy's linear interpolation), duplicates removed. */
export function quantileEdges(values: ArrayLike<number>, bins: number): number[] {
  const sorted = Float64Array.from(values).sort()
  let n = sorted.length
  while (n > 0 && Number.isNaN(sorted[n - 1])) n-- // NaN sorts last
  if (n === 0) throw new Error('cannot fit quantile edges on no values')
  const edges: number[] = []
  for (let i = 1; i < bins; i++) {
    const h = ((n - 1) * i) / bins
    const lo = Math.floor(h)
    const edge = lo + 1 < n ? sorted[lo] + (h - lo) * (sorted[lo + 1] - sorted[lo]) : sorted[lo]
    if (edges.length === 0 || edge > edges[edges.length - 1]) edges.push(edge)
  }
  return edges
}

/** The k most frequent values, most frequent first (ties by name, so fitting is deterministic). */
export function topCategories(values: Iterable<string>, k: number): string[] {
  const counts = new Map<string, number>()
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1)
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, k)
    .map(([v]) => v)
}

export interface FlightProfileOptions {
  /** airports kept by name per side; the rest count as "other" (default 50) */
  topAirports?: number
  /** quantile bins of the distance (default 10) */
  distanceBins?: number
  /** quantile bins of the predicted probability (default 20) */
  predictionBins?: number
}

const HOUR_EDGES = Array.from({ length: 23 }, (_, h) => h + 1)
const DAYS = ['0', '1', '2', '3', '4', '5', '6']

/**
 * Bins of the standard flight profile, fitted on the training window and the model's predictions on it.
 * Predictions get quantile bins rather than 20 equal-width bins on [0, 1]: a delay model's scores crowd a
 * small part of [0, 1], where equal-width bins would leave most bins empty and blunt PSI/JS/KS; quantile
 * bins give each bin ~5% of the reference and stay narrow where the mass is, which also keeps the
 * bin-midpoint approximations (Wasserstein, CBPE) accurate.
 */
export function fitReferenceProfileSpec(
  flights: readonly Flight[],
  predictions: ArrayLike<number>,
  options: FlightProfileOptions = {},
): ProfileSpec {
  const topAirports = options.topAirports ?? 50
  const predictionEdges = quantileEdges(predictions, options.predictionBins ?? 20)
  return {
    features: {
      origin: {
        kind: 'categorical',
        categories: topCategories(
          flights.map((f) => f.origin),
          topAirports,
        ),
      },
      destination: {
        kind: 'categorical',
        categories: topCategories(
          flights.map((f) => f.destination),
          topAirports,
        ),
      },
      departure_hour: { kind: 'numeric', edges: HOUR_EDGES },
      day_of_week: { kind: 'categorical', categories: DAYS },
      distance: {
        kind: 'numeric',
        edges: quantileEdges(
          Float64Array.from(flights, (f) => f.distance),
          options.distanceBins ?? 10,
        ),
      },
    },
    prediction: { kind: 'numeric', edges: predictionEdges },
  }
}

interface Counter {
  readonly counts: Float64Array
  add(value: number | string): void
}

/** Bin i is [edges[i-1], edges[i]); the index is the number of edges ≤ value (binary search). NaN is skipped. */
function numericCounter(bins: NumericBins): Counter {
  const edges = Float64Array.from(bins.edges)
  const counts = new Float64Array(edges.length + 1)
  return {
    counts,
    add(value) {
      const v = typeof value === 'number' ? value : Number(value)
      if (Number.isNaN(v)) return
      let lo = 0
      let hi = edges.length
      while (lo < hi) {
        const mid = (lo + hi) >>> 1
        if (edges[mid] <= v) lo = mid + 1
        else hi = mid
      }
      counts[lo]++
    },
  }
}

function categoricalCounter(categories: readonly string[]): Counter {
  const index = new Map(categories.map((c, i) => [c, i]))
  const counts = new Float64Array(categories.length + 1)
  return {
    counts,
    add(value) {
      counts[index.get(typeof value === 'string' ? value : String(value)) ?? categories.length]++
    },
  }
}

function counterFor(bins: Bins): Counter {
  return bins.kind === 'numeric' ? numericCounter(bins) : categoricalCounter(bins.categories)
}

function histogram(bins: Bins, counts: Float64Array): Histogram {
  return bins.kind === 'numeric'
    ? { kind: 'numeric', edges: [...bins.edges], counts: Array.from(counts) }
    : { kind: 'categorical', categories: [...bins.categories], counts: Array.from(counts) }
}

export interface Profiler {
  /** counts one value of a feature of the spec */
  add(feature: string, value: number | string): void
  /** the counting function of one feature, for hot loops (skips the per-call feature lookup) */
  counter(feature: string): (value: number | string) => void
  /** counts one row's predicted probability; the profile's count is the number of predictions */
  addPrediction(score: number): void
  profile(): Profile
}

export function createProfiler(spec: ProfileSpec): Profiler {
  const counters = new Map(Object.entries(spec.features).map(([name, bins]) => [name, counterFor(bins)]))
  const prediction = numericCounter(spec.prediction)
  let count = 0
  const lookup = (feature: string) => {
    const counter = counters.get(feature)
    if (!counter) throw new Error(`feature "${feature}" is not in the profile spec`)
    return counter
  }
  return {
    add(feature, value) {
      lookup(feature).add(value)
    },
    counter(feature) {
      return lookup(feature).add
    },
    addPrediction(score) {
      prediction.add(score)
      count++
    },
    profile() {
      const features: Record<string, Histogram> = {}
      for (const [name, bins] of Object.entries(spec.features)) features[name] = histogram(bins, counters.get(name)!.counts)
      return { count, features, prediction: histogram(spec.prediction, prediction.counts) as NumericHistogram }
    },
  }
}

/** Profiles flights and the model's predictions for them on the standard flight features. */
export function profileFlights(flights: readonly Flight[], predictions: ArrayLike<number>, spec: ProfileSpec): Profile {
  if (predictions.length !== flights.length) throw new Error(`${flights.length} flights but ${predictions.length} predictions`)
  for (const name of FLIGHT_FEATURES) if (!spec.features[name]) throw new Error(`the profile spec has no "${name}" feature`)
  const profiler = createProfiler(spec)
  const [origin, destination, hour, day, distance] = FLIGHT_FEATURES.map((name) => profiler.counter(name))
  for (let i = 0; i < flights.length; i++) {
    const f = flights[i]
    const parts = departureParts(f.departureMs)
    origin(f.origin)
    destination(f.destination)
    hour(parts.hour)
    day(DAYS[parts.dayOfWeek])
    distance(f.distance)
    profiler.addPrediction(predictions[i])
  }
  return profiler.profile()
}

function sameNumbers(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i])
}

function binsMismatch(a: Bins, b: Bins): string | undefined {
  if (a.kind !== b.kind) return `is ${a.kind} in one profile and ${b.kind} in the other`
  if (a.kind === 'numeric') {
    const edges = (b as NumericBins).edges
    return sameNumbers(a.edges, edges) ? undefined : `has different bin edges ([${a.edges.join(', ')}] vs [${edges.join(', ')}])`
  }
  const categories = (b as CategoricalBins).categories
  return a.categories.length === categories.length && a.categories.every((c, i) => c === categories[i])
    ? undefined
    : 'has different categories'
}

/** Throws unless both profiles (or specs) have the same features on the same bins. */
export function assertSameBins(a: ProfileSpec, b: ProfileSpec): void {
  const names = Object.keys(a.features)
  const other = Object.keys(b.features)
  const missing = names.filter((n) => !b.features[n]).concat(other.filter((n) => !a.features[n]))
  if (missing.length > 0) throw new Error(`profiles disagree on features: ${missing.join(', ')} present in only one`)
  for (const name of names) {
    const why = binsMismatch(a.features[name], b.features[name])
    if (why) throw new Error(`feature "${name}" ${why}; profiles must be counted on the same reference spec`)
  }
  const why = binsMismatch(a.prediction, b.prediction)
  if (why) throw new Error(`the prediction histogram ${why}; profiles must be counted on the same reference spec`)
}

function addCounts<H extends Histogram>(a: H, b: H): H {
  return { ...a, counts: a.counts.map((c, i) => c + b.counts[i]) }
}

/** Sum of two profiles counted on the same bins (associative and commutative, so shards merge in any order). */
export function mergeProfiles(a: Profile, b: Profile): Profile {
  assertSameBins(a, b)
  const features: Record<string, Histogram> = {}
  for (const name of Object.keys(a.features)) features[name] = addCounts(a.features[name], b.features[name])
  return { count: a.count + b.count, features, prediction: addCounts(a.prediction, b.prediction) }
}
