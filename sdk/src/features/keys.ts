/**
 * The calendar and cell keys every runtime derives from a departure time. Training, the Worker and the
 * browser all call these, so a flight maps to the same cells everywhere.
 */
export interface DepartureParts {
  /** minutes after midnight, local wall clock of the actual departure */
  minuteOfDay: number
  hour: number
  /** 0 = Monday … 6 = Sunday */
  dayOfWeek: number
}

export function departureParts(epochMs: number): DepartureParts {
  const d = new Date(epochMs)
  const minuteOfDay = d.getUTCHours() * 60 + d.getUTCMinutes()
  return { minuteOfDay, hour: d.getUTCHours(), dayOfWeek: (d.getUTCDay() + 6) % 7 }
}

/** Parses an ISO date-time as local wall-clock time: an offset, if present, is ignored on purpose. */
export function departureEpochMs(iso: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?/.exec(iso)
  if (!m) return Number.NaN
  return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], m[6] ? +m[6] : 0)
}

/**
 * The cells whose historical delay rate the model reads ("target encodings"), coarse to fine. `slot` is the
 * route's departure slot the flight belongs to (see slots.ts): the rate of that scheduled departure.
 */
export const CELL_NAMES = ['origin', 'destination', 'route', 'origin_hour', 'destination_hour', 'route_hour', 'flight', 'slot'] as const
export type CellName = (typeof CELL_NAMES)[number]

/** Each cell is smoothed toward its parent's rate (or the global rate when it has none). */
export const CELL_PARENT: Record<CellName, CellName | null> = {
  origin: null,
  destination: null,
  route: 'origin',
  origin_hour: 'origin',
  destination_hour: 'destination',
  route_hour: 'route',
  flight: 'route_hour',
  slot: 'route',
}

/** `slotMinute` is the flight's departure slot (slots.ts), -1 when it has none: its slot key is then '' and matches nothing. */
export function cellKeys(origin: string, destination: string, parts: DepartureParts, slotMinute = -1): Record<CellName, string> {
  const hh = parts.hour < 10 ? `0${parts.hour}` : `${parts.hour}`
  const route = `${origin}-${destination}`
  return {
    origin,
    destination,
    route,
    origin_hour: `${origin}@${hh}`,
    destination_hour: `${destination}@${hh}`,
    route_hour: `${route}@${hh}`,
    flight: `${route}@${parts.minuteOfDay}`,
    slot: slotMinute < 0 ? '' : `${route}@${slotMinute}`,
  }
}
