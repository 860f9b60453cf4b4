import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet'
import { compressors } from 'hyparquet-compressors'
import { defaultDataPath } from '../src/data/source.ts'

/** Real rows of flights-3m.parquet (row ranges), written as CSV: small, fast inputs for pipeline tests. */
export async function writeSampleCsv(file: string, ranges: [number, number][]): Promise<number> {
  const buffer = await asyncBufferFromFile(defaultDataPath())
  const lines = ['date,delay,distance,origin,destination']
  for (const [rowStart, rowEnd] of ranges) {
    const rows = await parquetReadObjects({ file: buffer, compressors, rowStart, rowEnd })
    for (const r of rows) {
      const d = (r.date as Date).toISOString().slice(0, 16).replace('T', ' ')
      lines.push(`${d},${r.delay},${r.distance},${r.origin},${r.destination}`)
    }
  }
  await writeFile(file, `${lines.join('\n')}\n`)
  return lines.length - 1
}

/**
 * A small training set for CLI tests: the first `trainRows` flights of January as the train window, and
 * `validateRows` flights of early March to validate on. Returns the data file and the windows file.
 */
export async function writeSmallTrainingSet(
  dir: string,
  trainRows: number,
  validateRows: number,
): Promise<{ data: string; windows: string }> {
  const data = path.join(dir, 'flights.csv')
  const windows = path.join(dir, 'windows.json')
  await writeSampleCsv(data, [
    [0, trainRows],
    [1_000_000, 1_000_000 + validateRows],
  ])
  await writeFile(
    windows,
    JSON.stringify({
      train: { from: '2001-01-01', to: '2001-01-06' },
      validate: { from: '2001-03-01', to: '2001-04-01' },
      replay: { from: '2001-04-01', to: '2001-07-01' },
    }),
  )
  return { data, windows }
}
