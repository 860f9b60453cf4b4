import { type FileHandle, open, rename, rm } from 'node:fs/promises'
import path from 'node:path'
import { UserInputError } from '../errors.ts'

export type OutputFormat = 'csv' | 'jsonl'

export function outputFormatOf(file: string): OutputFormat {
  const ext = path.extname(file).toLowerCase()
  if (ext === '.csv') return 'csv'
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl'
  throw new UserInputError(`${file}: unknown output type "${ext}" (expected .csv or .jsonl)`)
}

/** Parquet BigInts and Dates as JSON can carry them. */
export function jsonValue(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? Number(value) : value
}

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return ''
  const text = value instanceof Date ? value.toISOString() : String(value)
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

/** A scored row: the input's columns as read, then the model's answer. */
export interface ScoredRow {
  raw: Record<string, unknown>
  probability: number
  delayed: boolean
}

/** Appends scored rows to `<file>.tmp` and renames it into place on commit: no half-written output. */
export class ScoredWriter {
  private columns: string[] | null = null
  private constructor(
    private readonly file: string,
    private readonly format: OutputFormat,
    private readonly handle: FileHandle,
  ) {}

  static async open(file: string): Promise<ScoredWriter> {
    const format = outputFormatOf(file)
    return new ScoredWriter(file, format, await open(`${file}.tmp`, 'w'))
  }

  async write(rows: ScoredRow[]): Promise<void> {
    if (rows.length === 0) return
    let text = ''
    if (this.format === 'jsonl') {
      for (const r of rows) text += `${JSON.stringify({ ...r.raw, probability: r.probability, delayed: r.delayed }, jsonValue)}\n`
    } else {
      if (this.columns === null) {
        this.columns = Object.keys(rows[0].raw)
        text += `${[...this.columns, 'probability', 'delayed'].map(csvCell).join(',')}\n`
      }
      const columns = this.columns
      for (const r of rows) text += `${[...columns.map((c) => csvCell(r.raw[c])), r.probability, r.delayed].join(',')}\n`
    }
    await this.handle.write(text)
  }

  async commit(): Promise<void> {
    await this.handle.close()
    await rename(`${this.file}.tmp`, this.file)
  }

  async abort(): Promise<void> {
    await this.handle.close()
    await rm(`${this.file}.tmp`, { force: true })
  }
}

/** JSON Lines of rejected rows with their reasons, opened on the first one; a stale file from an earlier run is removed. */
export class RejectedWriter {
  private handle: FileHandle | null = null
  constructor(readonly file: string) {}

  async write(lines: object[]): Promise<void> {
    if (lines.length === 0) return
    this.handle ??= await open(this.file, 'w')
    await this.handle.write(lines.map((l) => `${JSON.stringify(l, jsonValue)}\n`).join(''))
  }

  /** The file when rows were rejected, else null. */
  async close(): Promise<string | null> {
    if (this.handle === null) {
      await rm(this.file, { force: true })
      return null
    }
    await this.handle.close()
    return this.file
  }
}
