import { spawnSync } from 'node:child_process'
import { appendFile, mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { encodeFlights, type FlightRecord, fromRecord } from '@tarmac/sdk/features'
import { parquetWriteFile } from 'hyparquet-writer'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeSampleCsv } from '../../test/flights-sample.ts'
import { readRawRows } from '../data/source.ts'
import { validateRow } from '../data/validate.ts'
import { runOrtNode } from '../export/onnx-runtimes.ts'
import { type Home, openHome } from '../home.ts'
import { createLocalScorer } from './local.ts'
import { parseModelRef, type ResolvedModel, resolveModel } from './model.ts'
import { createRemoteScorer } from './remote.ts'
import { scoreFile } from './score.ts'
import { registerTestModel } from './testing.ts'

const root = fileURLToPath(new URL('../../..', import.meta.url))
const silent = pino({ level: 'silent' })
let dir: string
let home: Home
let model: ResolvedModel
let csv: string
/** the valid rows of the CSV, in order, and onnxruntime-node's probabilities for them */
let records: FlightRecord[]
let expected: Float32Array

const BAD_ROWS = ['2001-06-02 10:00,5,-3,JFK,LAX', '2001-06-02 11:00,5,300,jfk,LAX', 'not a date,5,300,JFK,LAX']

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tarmac-batch-'))
  home = await openHome(path.join(dir, 'home'))
  await registerTestModel(home)
  model = await resolveModel(home, parseModelRef('flight-delay@champion'))
  csv = path.join(dir, 'june.csv')
  await writeSampleCsv(csv, [[2_500_000, 2_500_400]])
  await appendFile(csv, `${BAD_ROWS.join('\n')}\n`)
  records = []
  for await (const batch of readRawRows(csv)) {
    batch.rows.forEach((raw, i) => {
      const r = validateRow(raw, batch.firstRow + i)
      if (r.ok) records.push(r.record)
    })
  }
  expected = await runOrtNode(model.fp32, encodeFlights(records.map(fromRecord), model.encoder))
}, 60_000)

afterAll(() => home?.close())

function tarmac(...args: string[]) {
  const r = spawnSync(process.execPath, [path.join(root, 'training-service/bin/tarmac.mjs'), ...args, '--home', home.root], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
  })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

/** probability column of a scored CSV (the sample has no quoted cells) */
async function csvProbabilities(file: string): Promise<number[]> {
  const [header, ...lines] = (await readFile(file, 'utf8')).trim().split('\n')
  const column = header.split(',').indexOf('probability')
  return lines.map((l) => Number(l.split(',')[column]))
}

function expectClose(actual: ArrayLike<number>, tolerance: number): void {
  expect(actual.length).toBe(expected.length)
  const worst = Array.from(actual).reduce((m, p, i) => Math.max(m, Math.abs(p - expected[i])), 0)
  expect(worst).toBeLessThanOrEqual(tolerance)
}

describe('tarmac predict', () => {
  it('scores a CSV, keeping its columns, and sets rejected rows aside with their reasons', async () => {
    const output = path.join(dir, 'scored.csv')
    const r = tarmac('predict', '--model', 'flight-delay@champion', '--input', csv, '--output', output, '--json')
    expect(r.stderr).not.toMatch(/internal error/)
    expect(r.status).toBe(0)
    const summary = JSON.parse(r.stdout)
    expect(summary).toMatchObject({ model: 'flight-delay@1', rows: 403, scored: 400, rejected: 3 })
    expect(summary.rejectedByReason).toEqual({
      'distance must be > 0': 1,
      'origin must be a 3-letter upper-case IATA code': 1,
      'date must be a date-time': 1,
    })
    const header = (await readFile(output, 'utf8')).split('\n')[0]
    expect(header).toBe('date,delay,distance,origin,destination,probability,delayed')
    expectClose(await csvProbabilities(output), 0)
    const rejected = (await readFile(`${output}.rejected.jsonl`, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(rejected.map((x) => [x.row, x.field])).toEqual([
      [401, 'distance'],
      [402, 'origin'],
      [403, 'date'],
    ])
  })

  it('reads JSON Lines and parquet too, and writes JSON Lines by the output extension', async () => {
    const raws = records.map((r) => ({ ...r, date: r.date.toISOString() }))
    const jsonl = path.join(dir, 'june.jsonl')
    await writeFile(jsonl, raws.map((r) => `${JSON.stringify(r)}\n`).join(''))
    const parquet = path.join(dir, 'june.parquet')
    parquetWriteFile({
      filename: parquet,
      columnData: [
        { name: 'date', data: records.map((r) => r.date), type: 'TIMESTAMP' },
        { name: 'delay', data: records.map((r) => (r.delay === null ? null : BigInt(r.delay))), type: 'INT64' },
        { name: 'distance', data: records.map((r) => BigInt(r.distance)), type: 'INT64' },
        { name: 'origin', data: records.map((r) => r.origin), type: 'STRING' },
        { name: 'destination', data: records.map((r) => r.destination), type: 'STRING' },
      ],
    })
    const scorer = await createLocalScorer(model)
    try {
      const out = path.join(dir, 'from-jsonl.jsonl')
      const a = await scoreFile({ input: jsonl, output: out, scorer, log: silent })
      expect(a).toMatchObject({ rows: 400, rejected: 0, rejectedFile: null })
      const lines = (await readFile(out, 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
      expect(lines[0]).toEqual({ ...raws[0], probability: expected[0], delayed: expected[0] >= model.threshold })
      expectClose(
        lines.map((l) => l.probability),
        0,
      )
      await scoreFile({ input: parquet, output: path.join(dir, 'from-parquet.csv'), scorer, log: silent })
      expectClose(await csvProbabilities(path.join(dir, 'from-parquet.csv')), 0)
    } finally {
      await scorer.close()
    }
  })

  it('explains a wrong model reference or output type in one line (exit 2)', () => {
    const alias = tarmac('predict', '--model', 'flight-delay@nope', '--input', csv, '--output', path.join(dir, 'x.csv'))
    expect(alias.status).toBe(2)
    expect(alias.stderr.trim()).toBe('tarmac: model "flight-delay" has no alias "nope"')
    const ext = tarmac('predict', '--model', 'flight-delay', '--input', csv, '--output', path.join(dir, 'x.parquet'))
    expect(ext.status).toBe(2)
    expect(ext.stderr).toMatch(/unknown output type ".parquet"/)
  })

  it('--via retries a busy or failing Worker and keeps the rows in order', async () => {
    let calls = 0
    const server = createServer((req, res) => {
      let body = ''
      req.on('data', (c) => {
        body += c
      })
      req.on('end', () => {
        calls++
        if (calls <= 2) return res.writeHead(calls === 1 ? 429 : 503).end('{"error":{"code":"busy","message":"busy"}}')
        const { instances } = JSON.parse(body) as { instances: { distance: number }[] }
        const predictions = instances.map((x) => ({ id: 'x', probability: x.distance / 10_000, delayed: false }))
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ model: { name: 'flight-delay', version: 9, alias: 'champion' }, engine: 'ts', predictions }))
      })
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const { port } = server.address() as { port: number }
    const scorer = createRemoteScorer({
      url: `http://127.0.0.1:${port}`,
      model: 'flight-delay',
      concurrency: 3,
      log: silent,
      backoffMs: () => 1,
    })
    try {
      const many = [...records, ...records, ...records]
      const out = await scorer.score(many)
      expect(Array.from(out.probabilities)).toEqual(many.map((r) => r.distance / 10_000))
      // 1,200 rows are 3 requests of ≤ 500, plus the 429 and the 503 retried
      expect(calls).toBe(5)
      expect(scorer.describe()).toBe(`flight-delay@9 at http://127.0.0.1:${port}`)
    } finally {
      server.close()
    }
  })
})
