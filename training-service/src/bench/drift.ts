import { createProfiler, detectDrift, fitReferenceProfileSpec, mergeProfiles, type Profile, profileFlights } from '@tarmac/sdk/drift'
import { fmt, row } from './stats.ts'
import { syntheticFlights } from './synthetic.ts'

/**
 * Drift at the edge's scale: hourly profiles standing for ≥ 10M telemetry events merged and compared, and the
 * raw counting the queue consumer does per event (baseline: the same count done once).
 */
export function benchDrift(events: number): string[] {
  const { flights } = syntheticFlights(50_000, 11)
  const predictions = Float32Array.from(flights, (_, i) => ((i * 7919) % 1000) / 1000)
  const spec = fitReferenceProfileSpec(flights, predictions)
  const reference = profileFlights(flights, predictions, spec)
  // 30 days of hourly profiles; each hour's counts are scaled so the total stands for `events` predictions
  const hourly: Profile[] = []
  const hours = 720
  const shifted = flights.map((f) => ({ ...f, distance: f.distance * 1.2 }))
  const hourProfile = profileFlights(shifted.slice(0, 2000), predictions.subarray(0, 2000), spec)
  const scale = Math.round(events / hours / 2000)
  const scaleHist = <T extends { counts: number[] }>(h: T): T => ({ ...h, counts: h.counts.map((c) => c * scale) })
  for (let h = 0; h < hours; h++) {
    hourly.push({
      count: hourProfile.count * scale,
      features: Object.fromEntries(Object.entries(hourProfile.features).map(([k, v]) => [k, scaleHist(v)])),
      prediction: scaleHist(hourProfile.prediction),
    })
  }
  let t = performance.now()
  const merged = hourly.reduce((a, b) => mergeProfiles(a, b))
  const report = detectDrift(reference, merged)
  const mergeAndDetect = performance.now() - t
  t = performance.now()
  const profiler = createProfiler(spec)
  const add = profiler.counter('distance')
  for (let i = 0; i < events; i++) add(150 + (i % 2500))
  const countMs = performance.now() - t
  return [
    `drift over aggregates`,
    row('events represented', merged.count.toLocaleString('en-US')),
    row(
      'merge 720 hourly profiles + report (ms)',
      fmt(mergeAndDetect, 1),
      `drifted: ${report.features
        .filter((f) => f.drifted)
        .map((f) => f.feature)
        .join(', ')}`,
    ),
    row(
      `count ${(events / 1e6).toFixed(0)}M raw values into bins (ms)`,
      fmt(countMs, 0),
      `ratio ${fmt(countMs / mergeAndDetect, 0)}× the aggregate path`,
    ),
  ]
}
