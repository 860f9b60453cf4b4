import path from 'node:path'
import type { FlightRecord } from '@tarmac/sdk/features'
import { describeSource, readRawRows } from '../data/source.ts'
import { type RejectedRow, validateRow } from '../data/validate.ts'
import { UserInputError } from '../errors.ts'
import type { Logger } from '../logging.ts'
import type { Progress } from '../progress.ts'
import type { Scorer } from './local.ts'
import { RejectedWriter, type ScoredRow, ScoredWriter } from './output.ts'

/** Rows scored per call: bounds the encoded tensors and the text written at once, whatever the source's batches. */
export const SLICE_ROWS = 10_000

export interface ScoreFileOptions {
  input: string
  output: string
  scorer: Scorer
  log: Logger
  progress?: Progress
}

export interface ScoreSummary {
  model: string
  input: string
  output: string
  rows: number
  scored: number
  rejected: number
  rejectedByReason: Record<string, number>
  /** JSON Lines of the rejected rows and their reasons, or null when none was rejected */
  rejectedFile: string | null
  seconds: number
  rowsPerSecond: number
}

/** The valid rows of a slice as records (with the raw rows they came from), and the rejected with their reasons. */
export function validateSlice(raws: Record<string, unknown>[], firstRow: number) {
  const records: FlightRecord[] = []
  const kept: Record<string, unknown>[] = []
  const rejected: RejectedRow[] = []
  raws.forEach((raw, i) => {
    const result = validateRow(raw, firstRow + i)
    if (result.ok) {
      records.push(result.record)
      kept.push(raw)
    } else rejected.push(result.rejected)
  })
  return { records, kept, rejected }
}

/** Validates and scores one slice of raw rows; the rejected come back with their reasons. */
async function scoreSlice(scorer: Scorer, raws: Record<string, unknown>[], firstRow: number) {
  const { records, kept, rejected } = validateSlice(raws, firstRow)
  const scored = records.length > 0 ? await scorer.score(records) : { probabilities: [], delayed: [] }
  const rows: ScoredRow[] = kept.map((raw, i) => ({ raw, probability: scored.probabilities[i], delayed: scored.delayed[i] }))
  return { rows, rejected }
}

/**
 * Streams a CSV, JSON Lines or parquet file of raw flights through a scorer into a CSV or JSON Lines file:
 * memory is bounded by one source batch (a parquet row group, 50,000 text rows), never the file.
 */
export async function scoreFile(options: ScoreFileOptions): Promise<ScoreSummary> {
  const { input, output, scorer, log } = options
  if (path.resolve(input) === path.resolve(output)) throw new UserInputError('--output must not be the --input file')
  const source = await describeSource(input)
  const writer = await ScoredWriter.open(output)
  const rejectedWriter = new RejectedWriter(`${output}.rejected.jsonl`)
  const summary = { rows: 0, scored: 0, rejected: 0, rejectedByReason: {} as Record<string, number> }
  const startedAt = performance.now()
  log.info({ input, output, format: source.format, bytes: source.bytes, model: scorer.describe() }, 'scoring started')
  options.progress?.start(source.rows)
  let rejectedFile: string | null = null
  try {
    for await (const batch of readRawRows(input)) {
      for (let start = 0; start < batch.rows.length; start += SLICE_ROWS) {
        const raws = batch.rows.slice(start, start + SLICE_ROWS)
        const { rows, rejected } = await scoreSlice(scorer, raws, batch.firstRow + start)
        await writer.write(rows)
        await rejectedWriter.write(rejected)
        for (const r of rejected) summary.rejectedByReason[r.reason] = (summary.rejectedByReason[r.reason] ?? 0) + 1
        summary.rows += raws.length
        summary.scored += rows.length
        summary.rejected += rejected.length
        options.progress?.tick(raws.length)
      }
    }
    await writer.commit()
  } catch (error) {
    await writer.abort()
    throw error
  } finally {
    rejectedFile = await rejectedWriter.close()
  }
  options.progress?.done()
  const seconds = (performance.now() - startedAt) / 1000
  const result = { model: scorer.describe(), input, output, ...summary, rejectedFile, seconds, rowsPerSecond: summary.rows / seconds }
  if (result.rejected > 0) log.warn({ rejected: result.rejected, rejectedFile }, 'rows rejected')
  log.info({ rows: result.rows, scored: result.scored, seconds: Number(seconds.toFixed(3)) }, 'scoring finished')
  return result
}
