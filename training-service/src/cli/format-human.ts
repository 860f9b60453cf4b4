/** Building blocks of the human renderings: aligned tables, numbers, times. Kept to 100 columns. */

export const MISSING = '—'

/** Cuts a cell so one long value (a sweep's JSON param, a reason) cannot push a table past the terminal. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`
}

const NUMERIC = /^[-+]?[\d,]*\.?\d+$/

type TableOptions = { maxCell?: number; header?: boolean }

/**
 * Columns two spaces apart, the first row being the header unless `header` is false. A column whose
 * body holds only numbers (and blanks) is right-aligned so decimals line up.
 */
export function table(rows: string[][], { maxCell = 40, header = true }: TableOptions = {}): string {
  const cells = rows.map((row) => row.map((cell) => clip(cell, maxCell)))
  const body = header ? cells.slice(1) : cells
  const columns = Math.max(...cells.map((row) => row.length))
  const widths = Array.from({ length: columns }, (_, i) => Math.max(...cells.map((row) => row[i]?.length ?? 0)))
  const blank = (cell: string | undefined) => cell === undefined || cell === '' || cell === MISSING
  const right = widths.map(
    (_, i) => body.some((row) => NUMERIC.test(row[i] ?? '')) && body.every((row) => blank(row[i]) || NUMERIC.test(row[i])),
  )
  return cells
    .map((row) =>
      row
        .map((cell, i) => (right[i] ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
}

/** A titled block, or nothing when there is nothing to show. */
export function section(title: string, body: string): string {
  return body === '' ? '' : `\n${title}\n${body.replace(/^/gm, '  ')}`
}

/** Integers (counts, bytes) with thousands separators; scores such as AUC and ECE to 4 decimals. */
export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined) return MISSING
  if (Number.isInteger(value)) return value.toLocaleString('en-US')
  if (Math.abs(value) < 10) return value.toFixed(4)
  return value.toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 })
}

/** ISO to the second, in the form `--at` accepts back. */
export function isoShort(time: Date | string): string {
  return new Date(time).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

const DAY = 86_400_000

/** "5m ago" for the last week, an ISO date before that. */
export function ago(time: Date | string, now = Date.now()): string {
  const ms = now - new Date(time).getTime()
  if (ms < 60_000) return 'just now'
  if (ms >= 7 * DAY) return isoShort(time).slice(0, 10)
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)}m ago`
  if (ms < DAY) return `${Math.floor(ms / 3_600_000)}h ago`
  return `${Math.floor(ms / DAY)}d ago`
}

export function formatDuration(from: Date | string, to: Date | string | null): string {
  if (to === null) return MISSING
  const seconds = (new Date(to).getTime() - new Date(from).getTime()) / 1000
  if (seconds < 60) return `${seconds.toFixed(1)}s`
  const [h, m, s] = [Math.floor(seconds / 3600), Math.floor(seconds / 60) % 60, Math.floor(seconds) % 60]
  return h > 0 ? `${h}h ${String(m).padStart(2, '0')}m` : `${m}m ${String(s).padStart(2, '0')}s`
}

/** Run ids are UUIDs; eight characters identify one in practice and `runs show` accepts the prefix back. */
export const shortId = (id: string) => id.slice(0, 8)
