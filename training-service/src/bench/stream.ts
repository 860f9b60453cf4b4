import { randomBytes } from 'node:crypto'
import { readFile, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import path from 'node:path'
import { createWorkerClient } from '@tarmac/sdk/client/worker'
import { type DepartureEvent, MAX_STREAM_EVENTS, streamWebhookBodySchema, verifyWebhook } from '@tarmac/sdk/contracts/stream'
import type { Home } from '../home.ts'
import { startLocalWorker } from '../local/edge-worker.ts'
import { publishVersion } from '../publish/edge-client.ts'
import { fmt, percentile, pool, row } from './stats.ts'

const DEPARTURES_CONSUMER = /(\[\[queues\.consumers\]\]\s*\nqueue = "tarmac-departures"\s*\nmax_batch_size = )\d+/

/** wrangler.toml with the departures consumer's max_batch_size changed, beside it (its paths are relative). */
export async function withDeparturesBatchSize(root: string, batchSize: number): Promise<string> {
  const toml = await readFile(path.join(root, 'wrangler.toml'), 'utf8')
  if (!DEPARTURES_CONSUMER.test(toml)) throw new Error('wrangler.toml: no [[queues.consumers]] block for tarmac-departures')
  const file = path.join(root, `wrangler.bench-${process.pid}-${batchSize}.toml`)
  await writeFile(file, toml.replace(DEPARTURES_CONSUMER, `$1${batchSize}`))
  return file
}

/** A local webhook receiver that checks each signature and notes when every result arrived. */
async function startReceiver(secret: string) {
  const arrivals = new Map<string, { latencyMs: number; at: number }>()
  let refused = 0
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (c) => (body += c))
    req.on('end', async () => {
      const at = Date.now()
      const verdict = await verifyWebhook({
        secret,
        body,
        timestamp: req.headers['x-tarmac-timestamp']?.toString(),
        signature: req.headers['x-tarmac-signature']?.toString(),
      })
      if (!verdict.ok) {
        refused++
        res.writeHead(401).end()
        return
      }
      for (const r of streamWebhookBodySchema.parse(JSON.parse(body)).results)
        if (!arrivals.has(r.id)) arrivals.set(r.id, { latencyMs: at - r.enqueuedAt, at })
      res.writeHead(200).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  return {
    url: `http://127.0.0.1:${port}/hook`,
    arrivals,
    refused: () => refused,
    stop: () => new Promise((resolve) => server.close(resolve)),
  }
}

const instance = (i: number) => ({
  origin: 'ORD',
  destination: 'LAX',
  departedAt: new Date(Date.UTC(2001, 3, 2, 6) + i * 1000).toISOString().slice(0, 19),
  distance: 300 + (i % 2000),
})

/**
 * Departure events through the local queue consumer at two consumer batch sizes: events/s from the first POST
 * to the last signed webhook, and enqueue → webhook latency per event, beside the HTTP predict path (the same
 * rows in POSTs of 100) measured on the same Worker.
 */
export async function benchStream(home: Home, root: string, model: string, version: number, events: number): Promise<string[]> {
  const lines = [
    `streams: ${events.toLocaleString('en-US')} departure events through the local queue consumer (wrangler dev on 127.0.0.1, results to a signed webhook)`,
    row('', 'events/s', 'p50 ms', 'p99 ms'),
  ]
  for (const batchSize of [10, 100]) {
    const secret = randomBytes(16).toString('hex')
    const receiver = await startReceiver(secret)
    const config = await withDeparturesBatchSize(root, batchSize)
    const worker = await startLocalWorker({
      root,
      config,
      persistDir: path.join(home.root, `bench-stream-${batchSize}-${Date.now()}`),
      vars: { CANARY_MODE: 'off', STREAM_SINKS: 'webhook', STREAM_WEBHOOK_URL: receiver.url, STREAM_WEBHOOK_SECRET: secret },
    }).finally(() => rm(config, { force: true }))
    try {
      await publishVersion(home.store, { endpoint: worker.url, adminKey: worker.adminKey }, model, version, 'champion')
      const client = createWorkerClient({ endpoint: worker.url, adminKey: worker.adminKey })
      // the HTTP path first, on the same Worker: requests of 100 rows, 4 in flight, each request timed
      const requestMs: number[] = []
      const t = performance.now()
      await pool(Math.ceil(events / 100), 4, async (r) => {
        const started = performance.now()
        await client.predict(
          model,
          Array.from({ length: Math.min(100, events - r * 100) }, (_, i) => instance(r * 100 + i)),
        )
        requestMs.push(performance.now() - started)
      })
      const httpSeconds = (performance.now() - t) / 1000
      requestMs.sort((a, b) => a - b)
      if (batchSize === 10)
        lines.push(
          row(
            'HTTP predict, 100 rows a request',
            fmt(events / httpSeconds, 0),
            fmt(percentile(requestMs, 50), 1),
            fmt(percentile(requestMs, 99), 1),
          ),
        )

      const stream = `bench-${batchSize}`
      const sentAt = Date.now()
      await pool(Math.ceil(events / MAX_STREAM_EVENTS), 4, async (b) => {
        const batch: DepartureEvent[] = Array.from({ length: Math.min(MAX_STREAM_EVENTS, events - b * MAX_STREAM_EVENTS) }, (_, i) => ({
          id: `e${b * MAX_STREAM_EVENTS + i}`,
          model,
          instance: instance(b * MAX_STREAM_EVENTS + i),
        }))
        await client.streamEvents(stream, batch)
      })
      const deadline = Date.now() + 10 * 60_000
      while (receiver.arrivals.size < events && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
      const arrivals = [...receiver.arrivals.values()]
      const last = Math.max(...arrivals.map((a) => a.at))
      const latencies = arrivals.map((a) => a.latencyMs).sort((a, b) => a - b)
      const missing = events - arrivals.length
      lines.push(
        row(
          `queue consumer, batches of ${batchSize}`,
          fmt(arrivals.length / ((last - sentAt) / 1000), 0),
          fmt(percentile(latencies, 50), 0),
          fmt(percentile(latencies, 99), 0),
          missing || receiver.refused() ? `${missing} missing, ${receiver.refused()} refused` : '',
        ),
      )
    } finally {
      await worker.stop()
      await receiver.stop()
    }
  }
  lines.push('  (HTTP p50/p99: one request of 100 rows; stream p50/p99: one event from enqueue to the webhook receiving it)')
  return lines
}
