import { readdir, readFile, rm } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { CapturePage, LabelledRow } from '@tarmac/sdk/contracts/capture'
import { seededRandom } from '@tarmac/sdk/random'
import { afterEach, describe, expect, it } from 'vitest'
import { pullCapture } from './pull.ts'

const HOUR = 3_600_000
const START = Date.parse('2001-05-01T00:00:00Z')
const ORIGINS = ['ORD', 'ATL', 'DFW', 'SEA']

/** Labelled rows of three event hours, several a minute, as one replay's Worker captured them. */
function capture(): LabelledRow[] {
  const random = seededRandom(3)
  return Array.from({ length: 240 }, (_, i): LabelledRow => {
    const at = START + Math.floor(i / 80) * HOUR + (i % 20) * 60_000
    return {
      eventId: `e${i}`,
      predictionId: `p${i}`,
      model: 'flight-delay',
      version: 1,
      role: 'served',
      source: 'edge',
      engine: 'ts',
      probability: random(),
      at,
      instance: {
        origin: ORIGINS[i % 4],
        destination: ORIGINS[(i + 1) % 4],
        departedAt: new Date(at).toISOString().slice(0, 16),
        distance: 300 + (i % 7) * 100,
      },
      delayed: random() < 0.2,
      delay: null,
      labelledAt: at + 2 * 24 * HOUR,
    }
  })
}

/** The rows hour after hour, each hour's in the order `shuffle` gives: as another replay's capture objects would come. */
const byHour = (rows: LabelledRow[], shuffle: (hour: LabelledRow[]) => LabelledRow[]) =>
  [0, 1, 2].flatMap((h) => shuffle(rows.filter((r) => Math.floor((r.at - START) / HOUR) === h)))

/**
 * A stand-in for the Worker's GET /admin/capture/{name} (named so: the real route is exercised by capture-loop.test.ts)
 * that yields `ordered` in pages of `pageRows`.
 */
async function captureRoute(ordered: LabelledRow[], pageRows: number) {
  const server: Server = createServer((req, res) => {
    const cursor = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('cursor') ?? 0)
    const next = cursor + pageRows
    const page: CapturePage = {
      rows: ordered.slice(cursor, next),
      cursor: next < ordered.length ? String(next) : null,
      captured: Math.min(pageRows, ordered.length - cursor),
      sampleRates: [1],
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(page))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() }
}

const dir = path.join(tmpdir(), `tarmac-pull-${process.pid}`)
afterEach(() => rm(dir, { recursive: true, force: true }))

describe('pullCapture', () => {
  it('writes the same flights and labels to the same file whatever order the capture objects come in', async () => {
    const rows = capture()
    const random = seededRandom(11)
    const pulls = []
    for (const [shuffle, pageRows] of [
      [(hour: LabelledRow[]) => hour, 50],
      [(hour: LabelledRow[]) => [...hour].reverse(), 7],
      [(hour: LabelledRow[]) => [...hour].sort(() => random() - 0.5), 1000],
    ] as const) {
      const route = await captureRoute(byHour(rows, shuffle), pageRows)
      try {
        const pulled = await pullCapture({
          worker: route.url,
          adminKey: 'k',
          model: 'flight-delay',
          from: START,
          to: START + 3 * HOUR,
          dir,
        })
        pulls.push({ sha256: pulled.lineage.sha256, text: await readFile(pulled.file, 'utf8'), rows: pulled.lineage.rows })
      } finally {
        route.close()
      }
    }
    expect(pulls.map((p) => p.rows)).toEqual([240, 240, 240])
    expect(new Set(pulls.map((p) => p.sha256)).size).toBe(1)
    expect(pulls[1].text).toBe(pulls[0].text)
    // hour by hour, in event time
    const dates = pulls[0].text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line).date as string)
    expect(dates).toEqual([...dates].sort())
  })

  it('refuses a capture that goes back an hour, which would break the order it writes', async () => {
    const rows = capture()
    const route = await captureRoute([...rows, { ...rows[0], eventId: 'late' }], 50)
    try {
      const pull = pullCapture({ worker: route.url, adminKey: 'k', model: 'flight-delay', from: START, to: START + 3 * HOUR, dir })
      await expect(pull).rejects.toThrow('out of hour order')
      // no half-written file left in the data folder
      expect(await readdir(dir)).toEqual([])
    } finally {
      route.close()
    }
  })
})
