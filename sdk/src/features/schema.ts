import { z } from 'zod'

/** IATA airport code as the data set spells it. */
export const airportCode = z.string().regex(/^[A-Z]{3}$/, 'must be a 3-letter upper-case IATA code')

/** Longest US domestic route in the data is under 5,000 miles; anything beyond is a unit or typing error. */
export const MAX_DISTANCE_MILES = 6000
/** Arrival delays in minutes outside this range are recording errors, not flights. */
export const DELAY_RANGE_MINUTES = [-180, 2880] as const
/** A flight counts as delayed when it arrives this many minutes late or more. */
export const DELAY_THRESHOLD_MINUTES = 15

/** One prediction request, made at departure: what is known once the flight has left the gate. */
export const flightInstanceSchema = z.object({
  origin: airportCode,
  destination: airportCode,
  /** When the flight left the gate (its actual departure), local wall clock: the moment the prediction is made. */
  departedAt: z.iso
    .datetime({
      offset: true,
      local: true,
      error: (issue) =>
        issue.input === undefined
          ? 'required: the actual gate departure, ISO 8601 (this field was called `departure`)'
          : 'must be an ISO 8601 date-time',
    })
    .describe('When the flight left the gate (actual departure), local wall clock, ISO 8601; an offset is ignored'),
  distance: z
    .number({ message: 'must be a number (miles)' })
    .positive('must be > 0')
    .max(MAX_DISTANCE_MILES, `must be ≤ ${MAX_DISTANCE_MILES} miles`),
})
export type FlightInstance = z.infer<typeof flightInstanceSchema>

/** One row of the data set (or of a user's CSV / JSON Lines export). */
export const flightRecordSchema = z.object({
  date: z.date({ message: 'must be a date-time' }),
  delay: z
    .number({ message: 'must be a number (minutes)' })
    .int('must be whole minutes')
    .min(DELAY_RANGE_MINUTES[0], `must be ≥ ${DELAY_RANGE_MINUTES[0]}`)
    .max(DELAY_RANGE_MINUTES[1], `must be ≤ ${DELAY_RANGE_MINUTES[1]}`)
    .nullable(),
  distance: z
    .number({ message: 'must be a number (miles)' })
    .positive('must be > 0')
    .max(MAX_DISTANCE_MILES, `must be ≤ ${MAX_DISTANCE_MILES} miles`),
  origin: airportCode,
  destination: airportCode,
})
export type FlightRecord = z.infer<typeof flightRecordSchema>

export const FLIGHT_COLUMNS = ['date', 'delay', 'distance', 'origin', 'destination'] as const
export const REQUIRED_COLUMNS = ['date', 'distance', 'origin', 'destination'] as const

export function isDelayed(delay: number): boolean {
  return delay >= DELAY_THRESHOLD_MINUTES
}

/** A record as a prediction request: the data set's `date` is the actual gate departure (wall clock, kept as UTC). */
export function recordToInstance(r: FlightRecord): FlightInstance {
  return {
    origin: r.origin,
    destination: r.destination,
    departedAt: r.date.toISOString(),
    distance: r.distance,
  }
}

export interface FieldIssue {
  field: string
  message: string
}

/** Flattens a zod error to the first problem per field, in the shape every Tarmac API returns. */
export function fieldIssues(error: z.ZodError): FieldIssue[] {
  const seen = new Set<string>()
  const out: FieldIssue[] = []
  for (const issue of error.issues) {
    const field = issue.path.map(String).join('.') || '(root)'
    if (seen.has(field)) continue
    seen.add(field)
    out.push({ field, message: issue.message })
  }
  return out
}
