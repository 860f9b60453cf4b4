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
 * A small training set for CLI tests: `trainRows` flights from three weeks of January as the train window,
 * `validateRows` flights of early March to select on and as many of mid-March to report on. Returns the
 * data file and the windows file.
 */
export async function writeSmallTrainingSet(
  dir: string,
  trainRows: number,
  validateRows: number,
): Promise<{ data: string; windows: string }> {
  const data = path.join(dir, 'flights.csv')
  const windows = path.join(dir, 'windows.json')
  // three thirds from three different weeks of January: out-of-fold rates are by week, so one week alone has none
  const third = Math.ceil(trainRows / 3)
  await writeSampleCsv(data, [
    [0, third],
    [120_000, 120_000 + third],
    [240_000, 240_000 + third],
    [1_000_000, 1_000_000 + validateRows],
    [1_250_000, 1_250_000 + validateRows],
  ])
  await writeFile(
    windows,
    JSON.stringify({
      train: { from: '2001-01-01', to: '2001-01-20' },
      validate: { from: '2001-03-01', to: '2001-03-16' },
      report: { from: '2001-03-16', to: '2001-04-01' },
      replay: { from: '2001-04-01', to: '2001-07-01' },
    }),
  )
  return { data, windows }
}
