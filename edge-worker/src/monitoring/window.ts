import { hourBucket } from '../telemetry/events.ts'

export const HOUR_MS = 3_600_000

/** [start, end) in epoch ms on whole UTC hours: the prediction hour buckets the telemetry aggregates are keyed by. */
export interface Window {
  start: number
  end: number
}

/** Snaps outward to whole hours, so a window always covers every bucket it touches. */
export function hourWindow(from: number, to: number): Window {
  return { start: Math.floor(from / HOUR_MS) * HOUR_MS, end: Math.ceil(to / HOUR_MS) * HOUR_MS }
}

/** The cron's window: the last `hours` completed hours before `at`. */
export function trailingWindow(at: number, hours: number): Window {
  const end = Math.floor(at / HOUR_MS) * HOUR_MS
  return { start: end - hours * HOUR_MS, end }
}

/** Bucket keys bounding the window for `hour >= first AND hour < last` (ISO hour keys sort as strings). */
export function bucketRange(w: Window): { first: string; last: string } {
  return { first: hourBucket(w.start), last: hourBucket(w.end) }
}

/** Epoch ms of a bucket key 'YYYY-MM-DDTHH'. */
export function bucketStart(key: string): number {
  return Date.parse(`${key}:00:00Z`)
}

export const iso = (ms: number) => new Date(ms).toISOString()
