import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdir, rename, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { FlightRecord } from '@tarmac/sdk/features'
import type { Progress } from '../progress.ts'
import { describeSource, readRawRows, type SourceInfo } from './source.ts'
import { type RejectedRow, validateRow } from './validate.ts'
import { DEFAULT_WINDOWS, WINDOW_NAMES, type WindowName, type Windows, windowOf } from './windows.ts'

/** Flights of one window, column by column: 3M rows stay compact and never become 3M objects. */
export interface FlightColumns {
  size: number
  departureMs: Float64Array
  /** arrival delay in minutes; NaN where the source has none */
  delay: Float32Array
  distance: Float32Array
  origin: string[]
  destination: string[]
}

/** The rows at `index`, in that order. */
export function pickRows(c: FlightColumns, index: readonly number[]): FlightColumns {
  return {
    size: index.length,
    departureMs: Float64Array.from(index, (i) => c.departureMs[i]),
    delay: Float32Array.from(index, (i) => c.delay[i]),
    distance: Float32Array.from(index, (i) => c.distance[i]),
    origin: index.map((i) => c.origin[i]),
    destination: index.map((i) => c.destination[i]),
  }
}

export interface DatasetCounts {
  read: number
  valid: number
  quarantined: number
  quarantinedByReason: Record<string, number>
  outsideWindows: number
  perWindow: Record<WindowName, number>
}

export interface LoadedDataset {
  source: SourceInfo
  sourceSha256: string
  /** sha256 of the source bytes and the window spec: same bytes + same spec ⇒ same id */
  dataVersion: string
  windows: Windows
  counts: DatasetCounts
  splits: Record<WindowName, FlightColumns>
  /** JSON Lines of the rejected rows with their reasons, or null when none were rejected */
  quarantineFile: string | null
}

export interface LoadOptions {
  windows?: Windows
  /** folder for quarantine files; defaults to .tarmac/quarantine */
  quarantineDir?: string
  progress?: Progress
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

export function dataVersionOf(sourceSha256: string, windows: Windows): string {
  const spec = JSON.stringify({ schema: 1, windows: WINDOW_NAMES.map((w) => [w, windows[w].from, windows[w].to]) })
  return `dv-${createHash('sha256').update(sourceSha256).update(spec).digest('hex').slice(0, 16)}`
}

class ColumnBuilder {
  departureMs: number[] = []
  delay: number[] = []
  distance: number[] = []
  origin: string[] = []
  destination: string[] = []
  push(r: FlightRecord): void {
    this.departureMs.push(r.date.getTime())
    this.delay.push(r.delay ?? Number.NaN)
    this.distance.push(r.distance)
    this.origin.push(r.origin)
    this.destination.push(r.destination)
  }
  build(): FlightColumns {
    return {
      size: this.origin.length,
      departureMs: Float64Array.from(this.departureMs),
      delay: Float32Array.from(this.delay),
      distance: Float32Array.from(this.distance),
      origin: this.origin,
      destination: this.destination,
    }
  }
}

/** Reads, validates and splits a source by time window; rejected rows are counted by reason and quarantined. */
export async function loadDataset(file: string, options: LoadOptions = {}): Promise<LoadedDataset> {
  const windows = options.windows ?? DEFAULT_WINDOWS
  const source = await describeSource(file)
  const sourceSha256 = await sha256File(file)
  const builders = Object.fromEntries(WINDOW_NAMES.map((w) => [w, new ColumnBuilder()])) as Record<WindowName, ColumnBuilder>
  const counts: DatasetCounts = {
    read: 0,
    valid: 0,
    quarantined: 0,
    quarantinedByReason: {},
    outsideWindows: 0,
    perWindow: { train: 0, validate: 0, report: 0, replay: 0 },
  }
  const rejected: RejectedRow[] = []
  options.progress?.start(source.rows)
  for await (const batch of readRawRows(file)) {
    for (let i = 0; i < batch.rows.length; i++) {
      const result = validateRow(batch.rows[i], batch.firstRow + i)
      counts.read++
      if (!result.ok) {
        counts.quarantined++
        counts.quarantinedByReason[result.rejected.reason] = (counts.quarantinedByReason[result.rejected.reason] ?? 0) + 1
        rejected.push(result.rejected)
        continue
      }
      counts.valid++
      const window = windowOf(windows, result.record.date.getTime())
      if (window === null) {
        counts.outsideWindows++
        continue
      }
      counts.perWindow[window]++
      builders[window].push(result.record)
    }
    options.progress?.tick(batch.rows.length)
  }
  options.progress?.done()
  const dataVersion = dataVersionOf(sourceSha256, windows)
  let quarantineFile: string | null = null
  if (rejected.length > 0) {
    const dir = options.quarantineDir ?? path.join('.tarmac', 'quarantine')
    await mkdir(dir, { recursive: true })
    quarantineFile = path.join(dir, `${dataVersion}.jsonl`)
    const body = rejected.map((r) => JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))).join('\n')
    await writeFile(`${quarantineFile}.tmp`, `${body}\n`)
    await rename(`${quarantineFile}.tmp`, quarantineFile)
  }
  const splits = Object.fromEntries(WINDOW_NAMES.map((w) => [w, builders[w].build()])) as Record<WindowName, FlightColumns>
  return { source, sourceSha256, dataVersion, windows, counts, splits, quarantineFile }
}
