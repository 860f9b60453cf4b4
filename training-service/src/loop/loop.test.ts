import { mkdtemp, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { encodeFlights } from '@tarmac/sdk/features'
import { createTsEvaluator } from '@tarmac/sdk/onnx'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { registerTestModel } from '../batch/testing.ts'
import { syntheticFlights } from '../bench/synthetic.ts'
import type { FlightColumns } from '../data/dataset.ts'
import { freePort } from '../free-port.ts'
import { type Home, openHome } from '../home.ts'
import { type LocalWorker, startLocalWorker } from '../local/edge-worker.ts'
import { publishVersion, readEncoder } from '../publish/edge-client.ts'
import { runTarmac } from '../testing/cli.ts'
import { drainTelemetry, type MonitoringRun, runMonitoring } from './monitor-client.ts'
import { replayedFlights, replayTraffic } from './replay.ts'

const received: { path: string; body: { text: string; tarmac: { event: string; alert: { rule: string; version: number } } } }[] = []
const receiver = createServer((req, res) => {
  let body = ''
  req.on('data', (c) => (body += c))
  req.on('end', () => {
    received.push({ path: req.url ?? '', body: JSON.parse(body) })
    res.writeHead(200).end('ok')
  })
})
let home: Home
let worker: LocalWorker
let flights: FlightColumns
let dir: string

beforeAll(async () => {
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r))
  const port = (receiver.address() as { port: number }).port
  dir = await mkdtemp(path.join(tmpdir(), 'tarmac-loop-'))
  home = await openHome(path.join(dir, 'home'))
  const manifest = await registerTestModel(home)
  worker = await startLocalWorker({
    root: fileURLToPath(new URL('../../..', import.meta.url)),
    persistDir: path.join(dir, 'edge'),
    vars: { ALERT_WEBHOOK_URL: `http://127.0.0.1:${port}/hook`, ALERT_MIN_LABELS: '100', DRIFT_MIN_ROWS: '200', CANARY_MODE: 'off' },
  })
  await publishVersion(home.store, { endpoint: worker.url, adminKey: worker.adminKey }, manifest.name, manifest.version, 'champion')
  // 1,500 flights over a week whose real outcomes are the opposite of what the model ranks: realized AUC ≈ 0
  const synthetic = syntheticFlights(1_500, 21).flights.map((f, i) => ({ ...f, departureMs: Date.UTC(2001, 3, 2) + i * 400_000 }))
  const batch = encodeFlights(synthetic, await readEncoder(home.store, manifest))
  const scores = createTsEvaluator((await home.store.get(manifest.files.fp32.key))!).run(
    { numeric: batch.numeric, origin: batch.origin, destination: batch.destination },
    batch.rows,
  )
  const median = Float32Array.from(scores).sort()[scores.length >> 1]
  flights = {
    size: synthetic.length,
    departureMs: Float64Array.from(synthetic, (f) => f.departureMs),
    delay: Float32Array.from(scores, (s) => (s < median ? 60 : 0)),
    distance: Float32Array.from(synthetic, (f) => f.distance),
    origin: synthetic.map((f) => f.origin),
    destination: synthetic.map((f) => f.destination),
  }
}, 120_000)

afterAll(async () => {
  await worker?.stop()
  await home?.close()
  receiver.close()
})

describe('replay through a real Worker', () => {
  it('aggregates every replayed prediction, joins the late labels, and delivers the alert to a webhook receiver', async () => {
    const target = { url: worker.url, adminKey: worker.adminKey, model: 'flight-delay' }
    const runs: MonitoringRun[] = []
    const aggregated: number[] = []
    const stats = await replayTraffic(target, flights, {
      sampleEvery: 1,
      labelDelayDays: 0,
      checkpointDays: 7,
      batchSize: 200,
      concurrency: 2,
      log: () => {},
      onCheckpoint: async (from, to, predictions) => {
        aggregated.push(await drainTelemetry(target, from, to, predictions))
        runs.push(await runMonitoring(target, from, to))
      },
    })
    expect(stats).toMatchObject({ predictions: 1_500, labels: 1_500, versions: { 1: 1_500 } })
    expect(aggregated.reduce((a, b) => a + b)).toBe(1_500)
    const performance = runs.flatMap((r) => r.evaluations.map((e) => e.performance))
    expect(performance.some((p) => p.realized.labels >= 100 && (p.realized.auc ?? 1) < 0.1)).toBe(true)
    expect(runs.flatMap((r) => r.changes).some((c) => c.kind === 'fired' && c.alert.rule === 'realized_auc')).toBe(true)
    const hook = received.find((r) => r.body.tarmac.alert.rule === 'realized_auc')
    expect(hook?.path).toBe('/hook')
    expect(hook?.body.tarmac.event).toBe('alert.fired')
    expect(hook?.body.text).toMatch(/realized_auc/)
  }, 180_000)

  it('tarmac replay sends a window of a flights file through the Worker, labels following, and monitors each checkpoint', async () => {
    const csv = path.join(dir, 'april.csv')
    const lines = Array.from(
      { length: flights.size },
      (_, i) =>
        `${new Date(flights.departureMs[i]).toISOString().slice(0, 16).replace('T', ' ')},${flights.delay[i]},${flights.distance[i]},${flights.origin[i]},${flights.destination[i]}`,
    )
    // out of time order on purpose: the replay sorts by departure
    await writeFile(csv, `date,delay,distance,origin,destination\n${lines.reverse().join('\n')}\n`)
    const env = { PATH: process.env.PATH, TARMAC_ADMIN_KEY: worker.adminKey }
    const args = ['replay', '--url', worker.url, '--data', csv, '--from', '2001-04-01', '--to', '2001-05-01', '--sample', '3']
    const r = await runTarmac([...args, '--label-delay', '1', '--monitor', '--json'], env)
    expect(r.code, r.stderr).toBe(0)
    const out = JSON.parse(r.stdout)
    // whole routes, one in three of them: some but not all of the flights
    const sent = replayedFlights(flights, 3).size
    expect(sent).toBeGreaterThan(200)
    expect(sent).toBeLessThan(1_000)
    expect(out).toMatchObject({ predictions: sent, labels: sent, versions: { 1: sent } })
    expect(out.checkpoints.reduce((a: number, c: { predictions: number }) => a + c.predictions, 0)).toBe(sent)
    expect(out.checkpoints[0].versions[0]).toMatchObject({ version: 1 })
    expect(r.stderr).toContain(`replaying ${sent} of 1,500 flights (the routes of one in 3)`)

    const down = `http://127.0.0.1:${await freePort()}`
    const [noKey, badWindow, unreachable] = await Promise.all([
      runTarmac(args, { PATH: process.env.PATH }),
      runTarmac([...args.slice(0, 5), '--from', '2001-05-01', '--to', '2001-04-01'], env),
      runTarmac(['replay', '--url', down, ...args.slice(3)], env),
    ])
    expect([noKey.code, badWindow.code, unreachable.code]).toEqual([2, 2, 2])
    expect(unreachable.stderr.trim().split('\n').at(-1)).toMatch(
      new RegExp(`^tarmac: POST ${down}/v1/models/flight-delay/predict: fetch failed \\(gave up after 4 attempts\\)$`),
    )
    expect(noKey.stderr).toMatch(/TARMAC_ADMIN_KEY must hold the Worker’s admin key/)
    expect(badWindow.stderr.trim()).toMatch(/^tarmac: --from\/--to: from must be before to/)
  }, 180_000)
})
