import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { registerTestModel } from '../batch/testing.ts'
import { syntheticFlights } from '../bench/synthetic.ts'
import { lineageSchema } from '../data/lineage.ts'
import { openHome } from '../home.ts'
import { type LocalWorker, startLocalWorker } from '../local/edge-worker.ts'
import { publishVersion } from '../publish/edge-client.ts'
import { runTarmac } from '../testing/cli.ts'
import { drainTelemetry } from './monitor-client.ts'

const DAY_MS = 86_400_000
const FROM = Date.UTC(2001, 3, 1)
const TO = Date.UTC(2001, 3, 22)
const N = 2_400
let dir: string
let worker: LocalWorker

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tarmac-capture-'))
  const home = await openHome(path.join(dir, 'home'))
  const manifest = await registerTestModel(home)
  worker = await startLocalWorker({
    root: fileURLToPath(new URL('../../..', import.meta.url)),
    persistDir: path.join(dir, 'edge'),
    vars: { CANARY_MODE: 'off' },
  })
  await publishVersion(home.store, { endpoint: worker.url, adminKey: worker.adminKey }, manifest.name, manifest.version, 'champion')
  await home.close()
}, 120_000)

afterAll(async () => {
  await worker?.stop()
})

/** As the admin (its key is the Bearer): the caller that predicts is the one that may label. */
async function post(p: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${worker.url}${p}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${worker.adminKey}`, ...headers },
    body: JSON.stringify(body),
  })
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

describe('the production loop against wrangler dev', () => {
  it('predictions → capture in R2 → labels (redelivered, late) → data pull, each labelled row once → train → challenger', async () => {
    // three weeks of April traffic, dated by departure (the replayed clock needs the admin key)
    const { flights, labels } = syntheticFlights(N, 31)
    const dated = flights.map((f, i) => ({ ...f, departureMs: FROM + Math.floor((i * (TO - FROM)) / N) }))
    const ids: string[] = []
    for (let i = 0; i < N; i += 400) {
      const instances = dated.slice(i, i + 400).map((f) => ({
        origin: f.origin,
        destination: f.destination,
        departedAt: new Date(f.departureMs).toISOString().slice(0, 19),
        distance: f.distance,
      }))
      const r = await post('/v1/models/flight-delay/predict', { instances }, { 'X-Tarmac-Event-Time': 'departure' })
      expect(r.status).toBe(200)
      ids.push(...(r.body.predictions as { id: string }[]).map((p) => p.id))
    }
    const target = { url: worker.url, adminKey: worker.adminKey, model: 'flight-delay' }
    expect(await drainTelemetry(target, FROM, TO, N)).toBe(N)

    // three in four flights get an outcome: the first two weeks' now, 200 of them twice (a client retry),
    // the last week's late, after a first pull
    const outcome = (i: number) => ({ predictionId: ids[i], delay: labels[i] ? 45 : 0 })
    const labelled = ids.map((_, i) => i).filter((i) => i % 4 !== 3)
    const early = labelled.filter((i) => dated[i].departureMs < FROM + 14 * DAY_MS)
    const late = labelled.filter((i) => dated[i].departureMs >= FROM + 14 * DAY_MS)
    const send = async (rows: number[]) => {
      for (let i = 0; i < rows.length; i += 500)
        expect((await post('/v1/feedback/batch', { outcomes: rows.slice(i, i + 500).map(outcome) })).status).toBe(202)
    }
    await send(early)
    await send(early.slice(0, 200))
    const env = { PATH: process.env.PATH, TARMAC_HOME: path.join(dir, 'home'), TARMAC_ADMIN_KEY: worker.adminKey }
    const pull = ['data', 'pull', '--url', worker.url, '--from', '2001-04-01', '--to', '2001-04-22', '--json']
    const first = await runTarmac(pull, env)
    expect(first.code, first.stderr).toBe(0)
    expect(JSON.parse(first.stdout).lineage).toMatchObject({ rows: early.length, captured: N })
    await send(late)

    const r = await runTarmac(pull, env)
    expect(r.code, r.stderr).toBe(0)
    const { file, lineage } = JSON.parse(r.stdout) as { file: string; lineage: unknown }
    const l = lineageSchema.parse(lineage)
    // captured = predicted, pulled = labelled, each once
    expect(l).toMatchObject({
      rows: labelled.length,
      captured: N,
      sampleRates: [1],
      source: { kind: 'capture', model: 'flight-delay', role: 'served' },
    })
    expect(l.labelCoverage).toBeCloseTo(labelled.length / N, 6)
    const rows = (await readFile(file, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { prediction_id: string; delay: number; date: string })
    expect(rows).toHaveLength(labelled.length)
    expect(new Set(rows.map((x) => x.prediction_id))).toEqual(new Set(labelled.map((i) => ids[i])))
    const byId = new Map(labelled.map((i) => [ids[i], i]))
    for (const row of rows.slice(0, 50)) {
      const i = byId.get(row.prediction_id) as number
      expect(row.delay).toBe(labels[i] ? 45 : 0)
      expect(row.date).toBe(new Date(dated[i].departureMs).toISOString().slice(0, 19))
    }

    const described = await runTarmac(['data', 'describe', '--data', file], env)
    expect(described.code, described.stderr).toBe(0)
    expect(described.stdout).toMatch(/lineage .* flight-delay served capture/)
    expect(described.stdout).toMatch(
      new RegExp(`${labelled.length.toLocaleString('en-US')} labelled of 2,400 captured rows \\(75.0% label coverage\\)`),
    )

    const sweep = path.join(dir, 'sweep.json')
    await writeFile(
      sweep,
      JSON.stringify({ base: { family: 'mlp', learningRate: 0.01, batchSize: 256, epochs: 2 }, trials: [{ hidden: [16] }] }),
    )
    const trained = await runTarmac(['train', '--data', file, '--train-weeks', '2', '--sweep', sweep, '--concurrency', '1', '--json'], env)
    expect(trained.code, trained.stderr).toBe(0)
    const version = JSON.parse(trained.stdout).version as number
    // --train-weeks 2 as of the pull's end (2001-04-22): trains on Apr 1–14, validates on Apr 15–21
    // the week before --as-of is held out: its first half selects, the second half reports
    const [, selection, report] = /1,200 training rows, (\d+) selection rows, (\d+) report rows/.exec(trained.stderr) ?? []
    expect(Number(selection) + Number(report)).toBe(600)
    const published = await runTarmac(
      ['publish', 'flight-delay', String(version), '--alias', 'challenger', '--endpoint', worker.url, '--json'],
      env,
    )
    expect(published.code, published.stderr).toBe(0)
    const aliases = await fetch(`${worker.url}/admin/models/flight-delay/aliases`, {
      headers: { authorization: `Bearer ${worker.adminKey}` },
    })
    expect(await aliases.json()).toMatchObject({ name: 'flight-delay', aliases: { challenger: version } })

    // the scheduled commands: retrain (pull, train, the champion scored on the same latest week) and the canary's
    // verdict, which finds nothing to judge while the Worker (CANARY_MODE off) gives the challenger no traffic
    const retrained = await runTarmac(
      ['retrain', '--url', worker.url, '--as-of', '2001-04-22', '--train-weeks', '2', '--sweep', sweep, '--json'],
      env,
    )
    expect(retrained.code, retrained.stderr).toBe(0)
    const record = JSON.parse(retrained.stdout) as { version: number; champion: number; outcome: string; data: { lineage: unknown } }
    expect(record).toMatchObject({ version: version + 1, champion: 1, outcome: 'on canary' })
    expect(lineageSchema.parse(record.data.lineage)).toMatchObject({ rows: labelled.length, captured: N })
    expect(retrained.stderr).toMatch(/candidate v\d+ report AUC [\d.]+ vs champion v1 [\d.]+ on the same \d+ rows/)
    // a window the Worker captured nothing in: one line, exit 2, nothing trained
    const empty = await runTarmac(['retrain', '--url', worker.url, '--as-of', '2001-03-01', '--train-weeks', '2', '--json'], env)
    expect(empty.code).toBe(2)
    expect(empty.stderr).toMatch(
      /\ntarmac: no labelled rows of flight-delay between 2001-02-08 and 2001-03-01 \(0 captured\): nothing to retrain on\n$/,
    )
    const canary = await runTarmac(['canary', '--url', worker.url, '--from', '2001-04-22', '--to', '2001-04-23', '--dry-run'], env)
    expect(canary.code, canary.stderr).toBe(0)
    expect(canary.stdout).toMatch(
      /^v\d+ stays on canary: canary 2001-04-22\.\.2001-04-22: v\d+ answered 0 rows, 0 failed.*: answered no traffic yet\n$/,
    )
  }, 400_000)
})
