import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { UserInputError } from '../errors.ts'
import { loadDataset } from './dataset.ts'
import { defaultDataPath } from './source.ts'
import { validateRow } from './validate.ts'
import type { Windows } from './windows.ts'

let dir: string
const windows: Windows = {
  train: { from: '2001-01-01', to: '2001-01-02' },
  validate: { from: '2001-01-02', to: '2001-01-03' },
  report: { from: '2001-01-05', to: '2001-01-06' },
  replay: { from: '2001-01-03', to: '2001-01-04' },
}
const header = 'date,delay,distance,origin,destination'
const good = ['2001-01-01 06:00,12,337,SFO,LAX', '2001-01-02 07:15,40,1846,ORD,SFO', '2001-01-03 21:40,-5,215,ATL,SAV']

async function write(name: string, text: string): Promise<string> {
  const file = path.join(dir, name)
  await writeFile(file, text)
  return file
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tarmac-data-'))
})

describe('row validation', () => {
  it.each([
    [{ date: '2001-01-01 06:00', delay: 'late', distance: '337', origin: 'SFO', destination: 'LAX' }, 'delay', /number/],
    [{ date: '2001-01-01 06:00', delay: '5', distance: '0', origin: 'SFO', destination: 'LAX' }, 'distance', /> 0/],
    [{ date: '2001-01-01 06:00', delay: '5', distance: '9000', origin: 'SFO', destination: 'LAX' }, 'distance', /6000/],
    [{ date: '2001-01-01 06:00', delay: '5', distance: '337', origin: 'sfo', destination: 'LAX' }, 'origin', /IATA/],
    [{ date: '2001-01-01 06:00', delay: '5', distance: '337', origin: 'SFO', destination: 'LAXX' }, 'destination', /IATA/],
    [{ date: 'yesterday', delay: '5', distance: '337', origin: 'SFO', destination: 'LAX' }, 'date', /date/],
    [{ date: '2001-01-01 06:00', delay: '9999', distance: '337', origin: 'SFO', destination: 'LAX' }, 'delay', /2880/],
    [{ date: '2001-01-01 06:00', delay: '2.5', distance: '337', origin: 'SFO', destination: 'LAX' }, 'delay', /whole minutes/],
  ])('rejects %o on %s', (raw, field, message) => {
    const result = validateRow(raw, 7)
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.rejected.field).toBe(field)
    expect(result.rejected.row).toBe(7)
    expect(result.rejected.reason).toMatch(message)
  })

  it('accepts parquet BigInts and CSV strings alike, and a missing delay as unlabelled', () => {
    const parquet = validateRow(
      { date: new Date(Date.UTC(2001, 0, 1, 6)), delay: 33n, distance: 2176n, origin: 'LAS', destination: 'PHL' },
      1,
    )
    const csv = validateRow({ date: '2001-01-01 06:00', delay: '33', distance: '2176', origin: 'LAS', destination: 'PHL' }, 1)
    expect(parquet).toEqual(csv)
    const unlabelled = validateRow({ date: '2001-01-01T06:00:00Z', delay: '', distance: '2176', origin: 'LAS', destination: 'PHL' }, 1)
    expect(unlabelled.ok && unlabelled.record.delay).toBeNull()
  })
})

describe('loading files', () => {
  it('splits by window and quarantines bad rows with counts by reason, never dropping them silently', async () => {
    const file = await write(
      'mixed.csv',
      [header, ...good, '2001-01-01 08:00,oops,100,SFO,LAX', '2001-01-01 09:00,1,100,SF,LAX', '2001-02-01 09:00,1,100,SFO,LAX'].join('\n'),
    )
    const ds = await loadDataset(file, { windows, quarantineDir: path.join(dir, 'q') })
    expect(ds.counts).toMatchObject({
      read: 6,
      valid: 4,
      quarantined: 2,
      outsideWindows: 1,
      perWindow: { train: 1, validate: 1, report: 0, replay: 1 },
    })
    expect(ds.counts.quarantinedByReason).toEqual({
      'delay must be a number (minutes)': 1,
      'origin must be a 3-letter upper-case IATA code': 1,
    })
    const quarantined = (await readFile(ds.quarantineFile!, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(quarantined.map((q) => [q.row, q.field, q.value])).toEqual([
      [4, 'delay', 'oops'],
      [5, 'origin', 'SF'],
    ])
    expect(ds.splits.validate.origin).toEqual(['ORD'])
  })

  it('reads JSON Lines like CSV', async () => {
    const rows = good.map((l) => {
      const [date, delay, distance, origin, destination] = l.split(',')
      return JSON.stringify({ date, delay: Number(delay), distance: Number(distance), origin, destination })
    })
    const ds = await loadDataset(await write('rows.jsonl', rows.join('\n')), { windows })
    expect(ds.counts.valid).toBe(3)
    expect(Array.from(ds.splits.replay.delay)).toEqual([-5])
  })

  it.each([
    ['missing column', 'no-origin.csv', 'date,delay,distance,destination\n2001-01-01 06:00,1,100,LAX\n', /missing column "origin"/],
    ['empty file', 'empty.csv', '', /the file is empty/],
    ['header only', 'header.csv', `${header}\n`, /no data rows/],
    ['not JSON', 'bad.jsonl', '{"date": "2001-01-01 06:00",\n', /bad\.jsonl:1: not valid JSON/],
    ['unknown type', 'flights.xlsx', 'x', /unknown file type/],
  ])('refuses a file with a %s, naming the problem', async (_what, name, text, message) => {
    const file = await write(name, text)
    await expect(loadDataset(file, { windows })).rejects.toThrow(UserInputError)
    await expect(loadDataset(file, { windows })).rejects.toThrow(message)
  })

  it('refuses a truncated parquet file with a clear error', async () => {
    const bytes = await readFile(defaultDataPath())
    const file = path.join(dir, 'truncated.parquet')
    await writeFile(file, bytes.subarray(0, 1_000_000))
    await expect(loadDataset(file, { windows })).rejects.toThrow(/truncated\.parquet: not a readable parquet file/)
  })

  it('refuses a file that does not exist', async () => {
    await expect(loadDataset(path.join(dir, 'nope.csv'), { windows })).rejects.toThrow(/nope\.csv: no such file/)
  })
})

describe('data version', () => {
  it('is the same for the same bytes and spec, and changes with one byte or with the windows', async () => {
    const a = await write('a.csv', [header, ...good].join('\n'))
    const b = path.join(dir, 'b.csv')
    await copyFile(a, b)
    const va = (await loadDataset(a, { windows })).dataVersion
    expect((await loadDataset(b, { windows })).dataVersion).toBe(va)
    const edited = (await readFile(b, 'utf8')).replace('337', '338')
    await writeFile(b, edited)
    expect((await loadDataset(b, { windows })).dataVersion).not.toBe(va)
    const shifted = { ...windows, replay: { from: '2001-01-03', to: '2001-01-05' } }
    expect((await loadDataset(a, { windows: shifted })).dataVersion).not.toBe(va)
  })
})
