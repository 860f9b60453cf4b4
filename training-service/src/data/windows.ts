import { z } from 'zod'

/** A half-open time range [from, to) of actual departures, as ISO dates. */
export const windowSchema = z
  .object({ from: z.iso.date(), to: z.iso.date() })
  .refine((w) => w.from < w.to, { message: 'from must be before to' })

const DAY_MS = 86_400_000

/**
 * The windows of a run. `validate` is the selection slice (early stopping, trial choice, decision
 * threshold); `report` is a later slice nothing tunes on, where the published metrics come from. A file
 * without `report` gets the second half of `validate` (whole days) as its report slice.
 */
export const windowsSchema = z
  .object({
    train: windowSchema,
    validate: windowSchema,
    report: windowSchema.optional(),
    replay: windowSchema,
  })
  .transform((w, ctx) => {
    if (w.report) return { ...w, report: w.report }
    const [from, to] = windowBounds(w.validate)
    const days = Math.round((to - from) / DAY_MS)
    if (days < 2) {
      ctx.addIssue({
        code: 'custom',
        path: ['validate'],
        message: 'needs at least 2 days to split into select and report halves, or give "report"',
      })
      return z.NEVER
    }
    const mid = new Date(from + Math.floor(days / 2) * DAY_MS).toISOString().slice(0, 10)
    return { ...w, validate: { from: w.validate.from, to: mid }, report: { from: mid, to: w.validate.to } }
  })
  .refine((w) => w.report.from >= w.validate.to, {
    path: ['report'],
    message: 'must start when validate ends or later: the report slice is the untouched one after selection',
  })
export type TimeWindow = z.infer<typeof windowSchema>
export type Windows = z.output<typeof windowsSchema>
export type WindowName = keyof Windows

/** Train Jan–Feb, select on March 1–15, report on March 16–31, replay April–June as production traffic. */
export const DEFAULT_WINDOWS: Windows = {
  train: { from: '2001-01-01', to: '2001-03-01' },
  validate: { from: '2001-03-01', to: '2001-03-16' },
  report: { from: '2001-03-16', to: '2001-04-01' },
  replay: { from: '2001-04-01', to: '2001-07-01' },
}

export const WINDOW_NAMES: readonly WindowName[] = ['train', 'validate', 'report', 'replay']

export function windowBounds(w: TimeWindow): [number, number] {
  return [Date.parse(`${w.from}T00:00:00Z`), Date.parse(`${w.to}T00:00:00Z`)]
}

/** The window a departure falls in, or null when it is in none of them. */
export function windowOf(windows: Windows, epochMs: number): WindowName | null {
  for (const name of WINDOW_NAMES) {
    const [from, to] = windowBounds(windows[name])
    if (epochMs >= from && epochMs < to) return name
  }
  return null
}

/** The UTC date (YYYY-MM-DD) of an epoch-ms instant. */
export const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10)

/**
 * Windows relative to a date, for retraining on what production saw: validate on the week before `asOf`
 * (exclusive), train on the `trainWeeks` weeks before that; the replay window is the day from `asOf` on.
 */
export function trailingWeeks(asOf: string, trainWeeks: number): Windows {
  const end = windowBounds({ from: asOf, to: asOf })[0]
  const validateFrom = end - 7 * DAY_MS
  return windowsSchema.parse({
    train: { from: isoDay(validateFrom - trainWeeks * 7 * DAY_MS), to: isoDay(validateFrom) },
    validate: { from: isoDay(validateFrom), to: asOf },
    replay: { from: asOf, to: isoDay(end + DAY_MS) },
  })
}
