import { FLIGHT_COLUMNS, type FlightRecord, flightRecordSchema, REQUIRED_COLUMNS } from '@tarmac/sdk/features'
import { UserInputError } from '../errors.ts'

export interface RejectedRow {
  /** 1-based position of the row in its source */
  row: number
  field: string
  reason: string
  value: unknown
}

export type RowResult = { ok: true; record: FlightRecord } | { ok: false; rejected: RejectedRow }

/** Fails fast, naming the column, when a source does not have the columns of the data set. */
export function checkColumns(source: string, columns: readonly string[]): void {
  const missing = REQUIRED_COLUMNS.filter((c) => !columns.includes(c))
  if (missing.length > 0) {
    throw new UserInputError(
      `${source}: missing column${missing.length > 1 ? 's' : ''} ${missing.map((c) => `"${c}"`).join(', ')} (expected ${FLIGHT_COLUMNS.join(', ')})`,
    )
  }
}

function toNumber(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v)
  if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v)
  return v
}

function toDate(v: unknown): unknown {
  if (v instanceof Date) return v
  if (typeof v === 'string') {
    // A naive "YYYY-MM-DD HH:MM" or ISO string is the actual departure, local wall clock: read it as UTC like the parquet.
    const m = /^(\d{4})[-/](\d{2})[-/](\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?/.exec(v)
    if (m) return new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], m[6] ? +m[6] : 0))
  }
  return v
}

/** Coerces one raw row (parquet BigInts, CSV strings) and validates it against the record schema. */
export function validateRow(raw: Record<string, unknown>, row: number): RowResult {
  const delay = raw.delay === undefined || raw.delay === '' ? null : toNumber(raw.delay)
  const candidate = {
    date: toDate(raw.date),
    delay,
    distance: toNumber(raw.distance),
    origin: raw.origin,
    destination: raw.destination,
  }
  const parsed = flightRecordSchema.safeParse(candidate)
  if (parsed.success) return { ok: true, record: parsed.data }
  const issue = parsed.error.issues[0]
  const field = String(issue.path[0] ?? '(row)')
  return { ok: false, rejected: { row, field, reason: `${field} ${issue.message}`, value: (raw as Record<string, unknown>)[field] } }
}
