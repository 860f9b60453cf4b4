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

/** events sent at a steady 50/s for the latency figures */
const PACED_EVENTS = 200

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
  /** The arrivals of the events whose id starts with `prefix`, once `count` of them came (or 10 minutes passed). */
  const waitFor = async (prefix: string, count: number) => {
    const deadline = Date.now() + 10 * 60_000
    const of = () => [...arrivals].filter(([id]) => id.startsWith(prefix)).map(([, a]) => a)
    while (of().length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
    return { arrivals: of() }
  }
  return {
    url: `http://127.0.0.1:${port}/hook`,
    waitFor,
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
 * of a burst to its last signed webhook, and enqueue → webhook latency per event at a steady 50 events/s,
 * beside the HTTP predict path (the same rows in POSTs of 100) measured on the same Worker.
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

      // throughput: every event enqueued at once, timed until the last signed result arrives
      const eventsOf = (prefix: string, from: number, count: number): DepartureEvent[] =>
        Array.from({ length: count }, (_, i) => ({ id: `${prefix}${from + i}`, model, instance: instance(from + i) }))
      const sentAt = Date.now()
      await pool(Math.ceil(events / MAX_STREAM_EVENTS), 4, (b) =>
        client
          .streamEvents(
            `burst-${batchSize}`,
            eventsOf('b', b * MAX_STREAM_EVENTS, Math.min(MAX_STREAM_EVENTS, events - b * MAX_STREAM_EVENTS)),
          )
          .then(() => {}),
      )
      const burst = await receiver.waitFor('b', events)
      // latency: 10 events every 200 ms (50/s, well under capacity), enqueue → webhook per event
      for (let i = 0; i < PACED_EVENTS / 10; i++) {
        await client.streamEvents(`paced-${batchSize}`, eventsOf('p', i * 10, 10))
        await new Promise((r) => setTimeout(r, 200))
      }
      const paced = await receiver.waitFor('p', PACED_EVENTS)
      const latencies = paced.arrivals.map((a) => a.latencyMs).sort((a, b) => a - b)
      const lastArrival = Math.max(...burst.arrivals.map((a) => a.at))
      const missing = events - burst.arrivals.length + PACED_EVENTS - paced.arrivals.length
      lines.push(
        row(
          `queue consumer, batches of ${batchSize}`,
          fmt(burst.arrivals.length / ((lastArrival - sentAt) / 1000), 0),
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
  lines.push(
    `  (events/s: all events enqueued at once; HTTP p50/p99: one request of 100 rows, 4 in flight; stream p50/p99: one event from enqueue to the webhook receiving it, ${PACED_EVENTS} events sent at 50/s)`,
  )
  return lines
}
