import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { FeatureDrift } from '@tarmac/sdk/drift'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeSampleCsv } from '../../test/flights-sample.ts'
import { registerTestModel } from '../batch/testing.ts'
import { type Home, openHome } from '../home.ts'
import { runTarmac } from '../testing/cli.ts'
import type { FileDrift } from './files.ts'

let dir: string
let home: Home
const file = (name: string) => path.join(dir, name)

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tarmac-drift-'))
  home = await openHome(file('home'))
  await registerTestModel(home)
  // six days of real January flights, dealt alternately into two files: the same distribution twice
  await writeSampleCsv(file('sample.csv'), [[0, 100_000]])
  const [header, ...rows] = (await readFile(file('sample.csv'), 'utf8')).trim().split('\n')
  const write = (name: string, lines: string[]) => writeFile(file(name), `${[header, ...lines].join('\n')}\n`)
  const even = rows.filter((_, i) => i % 2 === 0)
  await write('reference.csv', even)
  await write(
    'same.csv',
    rows.filter((_, i) => i % 2 === 1),
  )
  // distances 1.5× longer, everything else as in the reference; one row that is not a flight
  await write('longer.csv', [
    ...even.map((r) =>
      r
        .split(',')
        .map((c, i) => (i === 2 ? String(Number(c) * 1.5) : c))
        .join(','),
    ),
    'x,1,2,3,4',
  ])
}, 60_000)

afterAll(() => home?.close())

const tarmac = (...args: string[]) => runTarmac(['drift', ...args, '--home', home.root], { PATH: process.env.PATH })
const drifted = (features: FeatureDrift[]) => features.filter((f) => f.drifted).map((f) => f.feature)

describe('tarmac drift', () => {
  it('flags nothing between two halves of the same days, and only distance when distances grow 1.5×', async () => {
    const [same, longer] = await Promise.all([
      tarmac('--reference', file('reference.csv'), '--current', file('same.csv'), '--json'),
      tarmac('--reference', file('reference.csv'), '--current', file('longer.csv'), '--json'),
    ])
    expect(same.code, same.stderr).toBe(0)
    const a = JSON.parse(same.stdout) as FileDrift
    expect(a.model).toBe('flight-delay@1')
    expect(a.reference).toMatchObject({ rows: 50_000, rejected: 0 })
    expect(a.report.features.map((f) => [f.feature, f.method])).toEqual([
      ['origin', 'jensenshannon'],
      ['destination', 'jensenshannon'],
      ['departure_hour', 'wasserstein'],
      ['day_of_week', 'jensenshannon'],
      ['distance', 'wasserstein'],
    ])
    expect(drifted(a.report.features)).toEqual([])
    expect(a.report.datasetDrift).toBe(false)

    const b = JSON.parse(longer.stdout) as FileDrift
    // the junk row, and the few routes whose 1.5× distance passes the plausible maximum
    expect(b.current.rows).toBe(50_001)
    expect(Object.keys(b.current.rejectedByReason).sort()).toEqual(['date must be a date-time', 'distance must be ≤ 6000 miles'])
    expect(drifted(b.report.features)).toEqual(['distance'])
    expect(b.report.features.find((f) => f.feature === 'distance')?.statistic).toBeGreaterThan(0.3)
  }, 120_000)

  it('prints a table and the verdict, and with --fail-on-drift exits 1 only when the dataset drifted', async () => {
    const human = await tarmac('--reference', file('reference.csv'), '--current', file('longer.csv'))
    expect(human.code).toBe(0)
    expect(human.stdout).toMatch(/^distance\s+wasserstein\s+[\d.]+\s+—\s+0\.1 on stat\s+DRIFT$/m)
    expect(human.stdout).toMatch(/^\(prediction\)\s+\w+/m)
    expect(human.stdout).toMatch(/dataset drift: no \(1 of 5 features drifted, share 0\.20\)/)
    // dataset drift needs half the features: longer flights, twelve hours and three days later
    const later = (await readFile(file('longer.csv'), 'utf8')).replace(
      /^2001-01-(\d\d) (\d\d)/gm,
      (_, day, hour) => `2001-01-${String(Number(day) + 3).padStart(2, '0')} ${String((Number(hour) + 12) % 24).padStart(2, '0')}`,
    )
    await writeFile(file('later.csv'), later)
    const [calm, alarmed] = await Promise.all([
      tarmac('--reference', file('reference.csv'), '--current', file('same.csv'), '--fail-on-drift'),
      tarmac('--reference', file('reference.csv'), '--current', file('later.csv'), '--fail-on-drift', '--json'),
    ])
    expect(calm.code).toBe(0)
    expect(JSON.parse(alarmed.stdout).report.datasetDrift).toBe(true)
    expect(alarmed.code).toBe(1)
  }, 120_000)

  it('names the bad input in one line with exit code 2', async () => {
    const cases: [string[], RegExp][] = [
      [['--reference', file('missing.csv'), '--current', file('same.csv')], /missing\.csv: no such file/],
      [['--reference', file('reference.csv'), '--current', file('same.csv'), '--model', 'nope'], /unknown model "nope"/],
    ]
    for (const [args, message] of cases) {
      const r = await tarmac(...args)
      expect(r.code, args.join(' ')).toBe(2)
      expect(r.stderr.trim().split('\n').at(-1)).toMatch(message)
    }
    const missing = await tarmac('--current', file('same.csv'))
    expect(missing.code).not.toBe(0)
    expect(missing.stderr).toMatch(/required option '--reference <file>' not specified/)
  }, 120_000)
})
