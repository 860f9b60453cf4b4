import { readFile } from 'node:fs/promises'
import path from 'node:path'
import pino from 'pino'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { writeSampleCsv } from '../../test/flights-sample.ts'
import { createLocalScorer } from './local.ts'
import { parseModelRef, resolveModel } from './model.ts'
import { createRemoteScorer } from './remote.ts'
import { scoreFile } from './score.ts'
import { type PublishedTestModel, publishedTestModel } from './testing.ts'

const log = pino({ level: 'silent' })
let fixture: PublishedTestModel

beforeAll(async () => {
  fixture = await publishedTestModel('tarmac-via-')
}, 120_000)

afterAll(() => fixture?.close())

it('--via scores a file through the Worker with the probabilities of the offline scorer (both fp32)', async () => {
  const { dir, home, worker } = fixture
  const input = path.join(dir, 'june.csv')
  await writeSampleCsv(input, [[2_600_000, 2_601_100]])
  const local = await createLocalScorer(await resolveModel(home, parseModelRef('flight-delay')))
  const offline = await scoreFile({ input, output: path.join(dir, 'offline.jsonl'), scorer: local, log })
  await local.close()
  const remote = createRemoteScorer({ url: worker.url, model: 'flight-delay', concurrency: 2, adminKey: worker.adminKey, log })
  const via = await scoreFile({ input, output: path.join(dir, 'via.jsonl'), scorer: remote, log })
  expect(via).toMatchObject({ rows: 1_100, scored: offline.scored, rejected: offline.rejected, model: `flight-delay@1 at ${worker.url}` })
  const read = async (file: string) =>
    (await readFile(file, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
  const [a, b] = [await read(path.join(dir, 'offline.jsonl')), await read(path.join(dir, 'via.jsonl'))]
  expect(b.map((r) => r.date)).toEqual(a.map((r) => r.date))
  const worst = a.reduce((m, r, i) => Math.max(m, Math.abs(r.probability - b[i].probability)), 0)
  expect(worst).toBeLessThanOrEqual(1e-6)
  expect(b.map((r) => r.delayed)).toEqual(a.map((r) => r.delayed))
})
