/** The time range the dashboard shows: from the query string, else the span of the stored monitoring windows. */
const HOUR_MS = 3_600_000
/** the timeseries route's limit */
const MAX_RANGE_MS = 31 * 24 * HOUR_MS

/** [from, to) in epoch ms */
export interface Range {
  from: number
  to: number
}

/** An ISO instant, or a datetime-local value read as UTC; null when absent or unparsable. */
export function parseInstant(value: string | null): number | null {
  if (!value) return null
  const ms = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value}Z`)
  return Number.isNaN(ms) ? null : ms
}

/** The span of the windows that were evaluated (a replay dates them in its own past), or the last day. */
export function dataRange(windows: readonly { windowStart: string; windowEnd: string }[], now = Date.now()): Range {
  if (windows.length === 0) {
    const to = Math.ceil(now / HOUR_MS) * HOUR_MS
    return { from: to - 24 * HOUR_MS, to }
  }
  return { from: Math.min(...windows.map((w) => Date.parse(w.windowStart))), to: Math.max(...windows.map((w) => Date.parse(w.windowEnd))) }
}

/** Whole-hour pieces of at most MAX_RANGE_MS, in order: the Worker snaps to hours, so pieces never share an hour. */
export function splitRange(r: Range): Range[] {
  const from = Math.floor(r.from / HOUR_MS) * HOUR_MS
  const to = Math.ceil(r.to / HOUR_MS) * HOUR_MS
  const pieces: Range[] = []
  for (let start = from; start < to; start += MAX_RANGE_MS) pieces.push({ from: start, to: Math.min(start + MAX_RANGE_MS, to) })
  return pieces
}

/** 'YYYY-MM-DDTHH:MM', the value of a datetime-local input, in UTC. */
export const toInputValue = (ms: number) => new Date(ms).toISOString().slice(0, 16)

/** 'YYYY-MM-DD HH:MM' UTC, for captions and tables. */
export const formatInstant = (ms: number) => toInputValue(ms).replace('T', ' ')
