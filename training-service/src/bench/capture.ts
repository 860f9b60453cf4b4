import path from 'node:path'
import { createWorkerClient } from '@tarmac/sdk/client/worker'
import { pullCapture } from '../data/pull.ts'
import type { Home } from '../home.ts'
import { type LocalWorker, startLocalWorker } from '../local/edge-worker.ts'
import { drainTelemetry } from '../loop/monitor-client.ts'
import { publishVersion } from '../publish/edge-client.ts'
import { drive, type Load } from './edge.ts'
import { fmt, median, row } from './stats.ts'

const HOUR_MS = 3_600_000

/** Runs `work` over 0..n-1 with at most `limit` in flight. */
async function pool(n: number, limit: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < n) await work(next++)
    }),
  )
}

const clientOf = (worker: LocalWorker) => createWorkerClient({ endpoint: worker.url, adminKey: worker.adminKey })

/**
 * Inference capture's costs: predict p50 with capture on against the same Worker code with it off (two
 * `wrangler dev`, loads alternating in short turns), the consumer's rows/s into D1 and R2, and `data pull`'s
 * rows/s over `rows` captured and labelled rows.
 */
export async function benchCapture(home: Home, root: string, model: string, version: number, rows: number, seconds: number) {
  const lines = [`inference capture (wrangler dev on 127.0.0.1; ${rows.toLocaleString('en-US')} captured rows)`]
  const workers = await Promise.all(
    ['0', '1'].map((rate) =>
      startLocalWorker({
        root,
        persistDir: path.join(home.root, `bench-capture-${rate}-${Date.now()}`),
        vars: { CAPTURE_SAMPLE_RATE: rate, CANARY_MODE: 'off' },
      }),
    ),
  )
  try {
    for (const w of workers) await publishVersion(home.store, { endpoint: w.url, adminKey: w.adminKey }, model, version, 'champion')
    const instance = { origin: 'ORD', destination: 'LAX', departedAt: '2001-04-02T07:15:00Z', distance: 1745 }
    const load: Load = {
      label: 'predict 1 row',
      method: 'POST',
      path: `/v1/models/${model}/predict`,
      body: JSON.stringify({ instances: [instance] }),
    }
    const p50 = [[], []] as number[][]
    const rounds = Math.max(1, Math.round(seconds / 2))
    for (let round = 0; round < rounds; round++)
      for (const [i, w] of workers.entries()) p50[i].push((await drive(w.url, load, seconds / rounds, 8, w.adminKey)).p50)
    const [off, on] = p50.map(median)
    lines.push(row('predict 1 row p50 ms: capture off / on', fmt(off, 1), fmt(on, 1), `${fmt(on / Math.max(off, 0.1), 2)}×`))

    const worker = workers[1]
    const start = Date.UTC(2001, 3, 2)
    const requests = Math.ceil(rows / 100)
    const ids: string[] = []
    const started = performance.now()
    await pool(requests, 4, async (r) => {
      const instances = Array.from({ length: Math.min(100, rows - r * 100) }, (_, i) => ({
        ...instance,
        departedAt: new Date(start + (r * 100 + i) * 1000).toISOString().slice(0, 19),
        distance: 300 + ((r + i) % 2000),
      }))
      const body = await clientOf(worker).predict(model, instances, { eventTime: 'departure' })
      ids.push(...body.predictions.map((p) => p.id))
    })
    const end = start + rows * 1000 + HOUR_MS
    const aggregated = await drainTelemetry({ ...worker, model }, start, end, rows, 30 * 60_000)
    const consumed = (performance.now() - started) / 1000
    lines.push(
      row(
        'consumer: rows into D1 + R2 capture',
        aggregated.toLocaleString('en-US'),
        `${fmt(consumed, 1)}s`,
        `${fmt(aggregated / consumed, 0)} rows/s`,
      ),
    )

    await pool(Math.ceil(ids.length / 1000), 4, async (b) => {
      const outcomes = ids.slice(b * 1000, (b + 1) * 1000).map((predictionId, i) => ({ predictionId, delay: i % 5 === 0 ? 40 : 0 }))
      await clientOf(worker).feedback(outcomes)
    })
    const t = performance.now()
    const pulled = await pullCapture({
      worker: worker.url,
      adminKey: worker.adminKey,
      model,
      from: start,
      to: end,
      dir: path.join(home.root, 'bench-data'),
    })
    const pullSeconds = (performance.now() - t) / 1000
    lines.push(
      row(
        'tarmac data pull: labelled rows',
        pulled.lineage.rows.toLocaleString('en-US'),
        `${fmt(pullSeconds, 1)}s`,
        `${fmt(pulled.lineage.rows / pullSeconds, 0)} rows/s`,
      ),
    )
  } finally {
    await Promise.all(workers.map((w) => w.stop()))
  }
  return lines
}
