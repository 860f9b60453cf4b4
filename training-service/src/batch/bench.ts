import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet'
import { compressors } from 'hyparquet-compressors'
import pino from 'pino'
import { syntheticModel } from '../bench/runtimes.ts'
import { fmt, row } from '../bench/stats.ts'
import { defaultDataPath } from '../data/source.ts'
import { createLocalScorer, type ScoringModel } from './local.ts'
import { jsonValue } from './output.ts'
import { scoreFile } from './score.ts'

const JUNE = Date.UTC(2001, 5, 1)
const READ_ROWS = 50_000

/** First row of June 2001 in the date-sorted flights file: a binary search over single-row reads. */
async function firstJuneRow(file: Awaited<ReturnType<typeof asyncBufferFromFile>>, rows: number): Promise<number> {
  let lo = 0
  let hi = rows
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2)
    const [r] = await parquetReadObjects({ file, compressors, columns: ['date'], rowStart: mid, rowEnd: mid + 1 })
    if ((r.date as Date).getTime() < JUNE) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** `rows` real June flights as JSON Lines, written batch by batch. */
async function writeJuneRows(target: string, rows: number): Promise<void> {
  const file = await asyncBufferFromFile(defaultDataPath())
  const total = Number((await parquetMetadataAsync(file)).num_rows)
  const start = await firstJuneRow(file, total)
  await writeFile(target, '')
  for (let from = start; from < Math.min(start + rows, total); from += READ_ROWS) {
    const batch = await parquetReadObjects({ file, compressors, rowStart: from, rowEnd: Math.min(from + READ_ROWS, start + rows, total) })
    await writeFile(target, batch.map((r) => `${JSON.stringify(r, jsonValue)}\n`).join(''), { flag: 'a' })
  }
}

/**
 * Offline batch scoring of `rows` real June flights (JSON Lines in, CSV out: read, validate, encode,
 * onnxruntime-node fp32, write) with a registered model, or a synthetic one of the default shape.
 */
export async function benchBatchScoring(rows: number, model?: ScoringModel): Promise<string[]> {
  const scoring = model ?? { ...syntheticModel(), threshold: 0.5 }
  const dir = await mkdtemp(path.join(tmpdir(), 'tarmac-bench-batch-'))
  try {
    const input = path.join(dir, 'june.jsonl')
    await writeJuneRows(input, rows)
    const scorer = await createLocalScorer(scoring)
    try {
      const s = await scoreFile({ input, output: path.join(dir, 'scored.csv'), scorer, log: pino({ level: 'silent' }) })
      return [
        `batch scoring (tarmac predict, offline) — ${scoring.label}`,
        row('', 'rows', 'rejected', 'seconds', 'rows/s'),
        row('June 2001, JSON Lines → CSV', s.rows, s.rejected, fmt(s.seconds, 2), Math.round(s.rowsPerSecond)),
      ]
    } finally {
      await scorer.close()
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
