import { departureParts } from './keys.ts'

/**
 * Departure slots: the minutes of day at which a route's flights leave, as the training window shows them.
 *
 * The data's time is the actual gate departure, and a flight's schedule is not in it. But a route's departures
 * pile up around its scheduled minutes, so the training window reveals them: a slot is a minute where the
 * route's departures within ±SLOT_HALF_WIDTH minutes peak and number at least a quarter of the window's days.
 * A flight belongs to the latest slot at or before its minute + SLOT_HALF_WIDTH (early departures included), if
 * that slot is at most SLOT_MAX_OFFSET minutes back. How long after its slot a flight left is the strongest
 * signal known at departure: measured on March 16–31, the offset alone ranks delays at AUC 0.81.
 */
export const SLOT_HALF_WIDTH = 3
export const SLOT_MAX_OFFSET = 300
/** a slot's departures, within its half width, on at least this share of the window's days */
export const SLOT_MIN_DAY_SHARE = 0.25

const MINUTES = 1440
const DAY_MS = 86_400_000

/** The minute of the flight's slot on a route, or -1 when it has none. */
export type SlotFinder = (route: string, minuteOfDay: number) => number

/** The largest of ascending `sorted` at or below `limit`, or -1 when there is none. */
export function lastAtOrBelow(sorted: ArrayLike<number>, limit: number): number {
  let lo = 0
  let hi = sorted.length - 1
  let found = -1
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1
    if (sorted[mid] <= limit) {
      found = sorted[mid]
      lo = mid + 1
    } else hi = mid - 1
  }
  return found
}

/** The latest of sorted `slots` at or before `minuteOfDay` + SLOT_HALF_WIDTH, within SLOT_MAX_OFFSET; -1 if none. */
export function latestSlot(slots: ArrayLike<number>, minuteOfDay: number): number {
  const found = lastAtOrBelow(slots, minuteOfDay + SLOT_HALF_WIDTH)
  return found >= 0 && found >= minuteOfDay - SLOT_MAX_OFFSET ? found : -1
}

/** Slots kept as `route@minute` keys (the encoder's slot table), as a finder. */
export function slotFinderOf(keys: Iterable<string>): SlotFinder {
  const byRoute = new Map<string, number[]>()
  for (const key of keys) {
    const at = key.lastIndexOf('@')
    const route = key.slice(0, at)
    let list = byRoute.get(route)
    if (!list) {
      list = []
      byRoute.set(route, list)
    }
    list.push(Number(key.slice(at + 1)))
  }
  const sorted = new Map([...byRoute].map(([route, list]) => [route, Uint16Array.from(list).sort()]))
  return (route, minuteOfDay) => {
    const slots = sorted.get(route)
    return slots ? latestSlot(slots, minuteOfDay) : -1
  }
}

/** The minute's peak test: at least the minute before, more than the minute after (one slot per plateau, its last minute). */
function peaks(histogram: Int32Array, minimum: number): number[] {
  const window = new Int32Array(MINUTES)
  for (let m = 0; m < MINUTES; m++) {
    let s = 0
    for (let d = Math.max(0, m - SLOT_HALF_WIDTH); d <= Math.min(MINUTES - 1, m + SLOT_HALF_WIDTH); d++) s += histogram[d]
    window[m] = s
  }
  const out: number[] = []
  for (let m = 0; m < MINUTES; m++) {
    const s = window[m]
    if (s >= minimum && s >= (m > 0 ? window[m - 1] : 0) && s > (m < MINUTES - 1 ? window[m + 1] : 0)) out.push(m)
  }
  return out
}

/**
 * The slots of each route in a window of departures, as `route@minute` keys. Only slots some flight belongs to
 * are kept, so dropping the others changes no flight's slot.
 */
export function fitSlots(flights: ReadonlyArray<{ origin: string; destination: string; departureMs: number }>): string[] {
  const histograms = new Map<string, Int32Array>()
  const days = new Set<number>()
  for (const f of flights) {
    const route = `${f.origin}-${f.destination}`
    let h = histograms.get(route)
    if (!h) {
      h = new Int32Array(MINUTES)
      histograms.set(route, h)
    }
    h[departureParts(f.departureMs).minuteOfDay]++
    days.add(Math.floor(f.departureMs / DAY_MS))
  }
  const minimum = Math.max(3, Math.ceil(days.size * SLOT_MIN_DAY_SHARE))
  const keys: string[] = []
  for (const [route, histogram] of histograms) {
    const candidates = peaks(histogram, minimum)
    if (candidates.length === 0) continue
    const used = new Set<number>()
    for (let m = 0; m < MINUTES; m++) {
      if (histogram[m] === 0) continue
      const slot = latestSlot(candidates, m)
      if (slot >= 0) used.add(slot)
    }
    for (const slot of candidates) if (used.has(slot)) keys.push(`${route}@${slot}`)
  }
  return keys
}
