import { writeFile } from 'node:fs/promises'
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
