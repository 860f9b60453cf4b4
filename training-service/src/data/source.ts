import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { createRequire } from 'node:module'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { parse as parseCsv } from 'csv-parse'
import { asyncBufferFromFile, parquetMetadataAsync, parquetRead } from 'hyparquet'
import { compressors } from 'hyparquet-compressors'
import { UserInputError } from '../errors.ts'
import { checkColumns } from './validate.ts'

/** The 3M-row flights file shipped inside vega-datasets (its package exports hide data files). */
export function defaultDataPath(): string {
  const require = createRequire(import.meta.url)
  return path.join(path.dirname(require.resolve('vega-datasets')), '..', 'data', 'flights-3m.parquet')
}

export type SourceFormat = 'parquet' | 'csv' | 'jsonl'

export function formatOf(file: string): SourceFormat {
  const ext = path.extname(file).toLowerCase()
  if (ext === '.parquet') return 'parquet'
  if (ext === '.csv') return 'csv'
  if (ext === '.jsonl' || ext === '.ndjson' || ext === '.json') return 'jsonl'
  throw new UserInputError(`${file}: unknown file type "${ext}" (expected .parquet, .csv or .jsonl)`)
}

/** A batch of raw rows; `firstRow` is the 1-based position of rows[0] in the source. */
export interface RawBatch {
  firstRow: number
  rows: Record<string, unknown>[]
}

export interface SourceInfo {
  file: string
  format: SourceFormat
  bytes: number
  /** known up front for parquet (from its footer), otherwise null */
  rows: number | null
}

const COLUMNS = ['date', 'delay', 'distance', 'origin', 'destination']
const TEXT_BATCH = 50_000

export async function describeSource(file: string): Promise<SourceInfo> {
  const format = formatOf(file)
  const info = await stat(file).catch(() => {
    throw new UserInputError(`${file}: no such file`)
  })
  if (info.size === 0) throw new UserInputError(`${file}: the file is empty`)
  if (format !== 'parquet') return { file, format, bytes: info.size, rows: null }
  const metadata = await parquetMetadata(file)
  return { file, format, bytes: info.size, rows: Number(metadata.num_rows) }
}

async function parquetMetadata(file: string) {
  const buffer = await asyncBufferFromFile(file)
  try {
    return { buffer, ...(await parquetMetadataAsync(buffer)) }
  } catch (e) {
    throw new UserInputError(`${file}: not a readable parquet file (${(e as Error).message})`)
  }
}

/** Streams a parquet file one row group at a time, so memory stays bounded by a row group. */
async function* readParquet(file: string): AsyncGenerator<RawBatch> {
  const { buffer, ...metadata } = await parquetMetadata(file)
  const columns = metadata.schema.slice(1).map((s) => s.name)
  checkColumns(file, columns)
  const selected = COLUMNS.filter((c) => columns.includes(c))
  let start = 0
  for (const group of metadata.row_groups) {
    const end = start + Number(group.num_rows)
    let arrays: unknown[][] = []
    try {
      await parquetRead({
        file: buffer,
        metadata,
        compressors,
        rowStart: start,
        rowEnd: end,
        columns: selected,
        onComplete: (rows) => {
          arrays = rows as unknown[][]
        },
      })
    } catch (e) {
      throw new UserInputError(`${file}: cannot read rows ${start + 1}–${end} (${(e as Error).message})`)
    }
    const rows = arrays.map((values) => Object.fromEntries(selected.map((c, i) => [c, values[i]])))
    yield { firstRow: start + 1, rows }
    start = end
  }
}

async function* readCsv(file: string): AsyncGenerator<RawBatch> {
  const parser = createReadStream(file).pipe(parseCsv({ columns: true, skip_empty_lines: true, trim: true, relax_column_count: true }))
  let batch: Record<string, unknown>[] = []
  let next = 1
  let checked = false
  try {
    for await (const row of parser as AsyncIterable<Record<string, unknown>>) {
      if (!checked) {
        checkColumns(file, Object.keys(row))
        checked = true
      }
      batch.push(row)
      if (batch.length === TEXT_BATCH) {
        yield { firstRow: next, rows: batch }
        next += batch.length
        batch = []
      }
    }
  } catch (e) {
    if (e instanceof UserInputError) throw e
    throw new UserInputError(`${file}: not a readable CSV file (${(e as Error).message})`)
  }
  if (!checked) throw new UserInputError(`${file}: no data rows under the header`)
  if (batch.length > 0) yield { firstRow: next, rows: batch }
}

async function* readJsonLines(file: string): AsyncGenerator<RawBatch> {
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY })
  let batch: Record<string, unknown>[] = []
  let line = 0
  let first = 1
  let checked = false
  for await (const text of lines) {
    line++
    if (text.trim() === '') continue
    let row: unknown
    try {
      row = JSON.parse(text)
    } catch {
      throw new UserInputError(`${file}:${line}: not valid JSON`)
    }
    if (typeof row !== 'object' || row === null || Array.isArray(row))
      throw new UserInputError(`${file}:${line}: expected a JSON object per line`)
    if (!checked) {
      checkColumns(file, Object.keys(row))
      checked = true
    }
    if (batch.length === 0) first = line
    batch.push(row as Record<string, unknown>)
    if (batch.length === TEXT_BATCH) {
      yield { firstRow: first, rows: batch }
      batch = []
    }
  }
  if (!checked) throw new UserInputError(`${file}: no rows`)
  if (batch.length > 0) yield { firstRow: first, rows: batch }
}

/** Raw rows of a parquet, CSV (with a header) or JSON Lines file, in batches. */
export async function* readRawRows(file: string): AsyncGenerator<RawBatch> {
  await describeSource(file)
  const format = formatOf(file)
  if (format === 'parquet') yield* readParquet(file)
  else if (format === 'csv') yield* readCsv(file)
  else yield* readJsonLines(file)
}
