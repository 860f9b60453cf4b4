import { spawnSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { createWorkerClient } from '@tarmac/sdk/client/worker'
import autocannon from 'autocannon'
import type { Home } from '../home.ts'
import { startLocalWorker } from '../local/edge-worker.ts'
import { drainTelemetry } from '../loop/monitor-client.ts'
import { publishVersion } from '../publish/edge-client.ts'
import { fmt, median, row } from './stats.ts'

/** The flight every timed request asks about. */
const FLIGHT = { origin: 'ORD', destination: 'LAX', departedAt: '2001-04-02T07:15:00Z', distance: 1745 }

export interface Load {
  label: string
  method: 'GET' | 'POST'
  path: string
  body?: string
}

export async function drive(url: string, load: Load, seconds: number, connections: number, adminKey: string) {
  const result = await autocannon({
    url: `${url}${load.path}`,
    method: load.method,
    body: load.body,
    // the admin key exempts the bench from the per-caller rate limit, nothing else
    headers: { 'content-type': 'application/json', authorization: `Bearer ${adminKey}` },
    connections,
    duration: seconds,
  })
  return {
    p50: result.latency.p50,
    p99: result.latency.p99,
    rps: result.requests.average,
    answered: result['2xx'],
    errors: result.errors + result.non2xx,
  }
}

/**
 * The online path under load on 127.0.0.1, bounded in time: a bare route as the baseline, then single-row and
 * 100-row predictions, for each engine; plus the ORT cold start and the queue consumer's throughput.
 */
/** A checkout of the repository whose Worker the bench starts; the baseline is another commit, installed beside it. */
interface Checkout {
  label: string
  root: string
  /** the baseline's own state folder, whose registered model it publishes with its own CLI */
  home?: string
  /** the version of that home to publish (the one before it is the second model); default: this home's */
  version?: number
}

/** A baseline checkout's model format may not be this one's: it publishes with its own CLI, from its own home. */
function publishFromCheckout(
  checkout: Checkout & { home: string },
  worker: { url: string; adminKey: string },
  model: string,
  version: number,
): void {
  const cli = path.join(checkout.root, 'training-service', 'bin', 'tarmac.mjs')
  const args = [cli, 'publish', model, String(version), '--endpoint', worker.url, '--home', checkout.home, '--json']
  const run = spawnSync(process.execPath, args, { env: { ...process.env, TARMAC_ADMIN_KEY: worker.adminKey }, encoding: 'utf8' })
  if (run.status !== 0) throw new Error(`${checkout.label}: publish failed: ${run.stderr.trim().split('\n').pop()}`)
}

export async function benchEdge(
  home: Home,
  root: string,
  model: string,
  version: number,
  seconds: number,
  baseline?: { root: string; home?: string; version?: number },
): Promise<string[]> {
  const lines = [
    `edge Worker under load (wrangler dev on 127.0.0.1, ${seconds}s per load in 2s turns, 8 connections; medians of the turns;`,
    '  each turn starts once the telemetry of the turns before it is aggregated: the queue consumer shares these 2 cores)',
  ]
  lines.push(row('', 'p50 ms', 'p99 ms', 'req/s', 'vs /health p50'))
  const loads: (Load & { rows: number })[] = [
    { label: 'GET /health', method: 'GET', path: '/health', rows: 0 },
    {
      label: 'predict 1 row',
      method: 'POST',
      path: `/v1/models/${model}/predict`,
      body: JSON.stringify({ instances: [FLIGHT] }),
      rows: 1,
    },
    {
      label: 'predict 100 rows',
      method: 'POST',
      path: `/v1/models/${model}/predict`,
      body: JSON.stringify({ instances: Array(100).fill(FLIGHT) }),
      rows: 100,
    },
  ]
  const checkouts: Checkout[] = [{ label: 'this', root }, ...(baseline ? [{ label: 'baseline', ...baseline }] : [])]
  // the local Workers' state (D1, R2, KV, queues): a scratch folder, removed when the bench ends
  const scratch = await mkdtemp(path.join(tmpdir(), 'tarmac-bench-edge-'))
  try {
    lines.push(...(await coldLoads(home, scratch, checkouts, model, version, Math.max(2, Math.round(seconds / 3)))))
    lines.push(...(await underLoad(home, scratch, root, loads, model, version, seconds)))
  } finally {
    await rm(scratch, { recursive: true, force: true })
  }
  return lines
}

/** Each engine's Worker under the loads, in turns. */
async function underLoad(
  home: Home,
  scratch: string,
  root: string,
  loads: (Load & { rows: number })[],
  model: string,
  version: number,
  seconds: number,
): Promise<string[]> {
  const lines: string[] = []
  for (const engine of ['ts', 'ort']) {
    const worker = await startLocalWorker({
      root,
      persistDir: path.join(scratch, `engine-${engine}`),
      vars: { ENGINE: engine, CANARY_MODE: 'off' },
    })
    try {
      await publishVersion(home.store, { endpoint: worker.url, adminKey: worker.adminKey }, model, version, 'champion')
      const t = performance.now()
      await createWorkerClient({ endpoint: worker.url, attempts: 1 }).predict(model, Array(100).fill(FLIGHT))
      const cold = performance.now() - t
      lines.push(row(`engine ${engine}: first predict (cold) ms`, fmt(cold, 0)))
      // before the load tests: their predictions would queue ahead of these and be timed too
      if (engine === 'ts') lines.push(...(await queueThroughput(worker, model)))
      // Loads take turns in short rounds and each figure is the median over rounds, so a burst of other work
      // on this 2-core machine shifts every load alike instead of skewing one ratio.
      const rounds = Math.max(1, Math.round(seconds / 2))
      const runs = loads.map(() => [] as Awaited<ReturnType<typeof drive>>[])
      // every answered row is a telemetry event: a turn must not be timed while the consumer works off another's
      const since = Date.now() - 3_600_000
      let events = 0
      for (let round = 0; round < rounds; round++) {
        for (const [i, load] of loads.entries()) {
          const run = await drive(worker.url, load, seconds / rounds, 8, worker.adminKey)
          runs[i].push(run)
          events += run.answered * load.rows
          if (load.rows > 0) await drainTelemetry({ ...worker, model }, since, Date.now() + 3_600_000, events, 120_000)
        }
      }
      const bare = median(runs[0].map((r) => r.p50))
      const single = median(runs[1].map((r) => r.p50))
      lines.push(row(`engine ${engine}: 1-row predict p50 / bare route p50 (floor ≤ 1.1×)`, `${fmt(single / Math.max(bare, 1), 2)}×`))
      for (const [i, load] of loads.entries()) {
        const p50 = median(runs[i].map((r) => r.p50))
        const errors = runs[i].reduce((n, r) => n + r.errors, 0)
        lines.push(
          row(
            `engine ${engine}: ${load.label}`,
            p50,
            median(runs[i].map((r) => r.p99)),
            fmt(median(runs[i].map((r) => r.rps)), 0),
            `${fmt(p50 / Math.max(bare, 1), 2)}×${errors ? ` (${errors} errors)` : ''}`,
          ),
        )
      }
    } finally {
      await worker.stop()
    }
  }
  return lines
}

/** Predictions sent as fast as the Worker takes them, then timed until every one is aggregated in D1. */
async function queueThroughput(worker: { url: string; adminKey: string }, model: string): Promise<string[]> {
  const hour = Date.UTC(2001, 0, 15, 12)
  const instances = Array.from({ length: 100 }, (_, i) => ({
    origin: 'ORD',
    destination: 'LAX',
    departedAt: new Date(hour + i * 1000).toISOString(),
    distance: 1745 + i,
  }))
  const requests = 100
  const started = performance.now()
  let next = 0
  const client = createWorkerClient({ endpoint: worker.url, adminKey: worker.adminKey, attempts: 1 })
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next++ < requests) await client.predict(model, instances, { eventTime: new Date(hour).toISOString() })
    }),
  )
  const sent = performance.now() - started
  const aggregated = await drainTelemetry({ ...worker, model }, hour, hour + 3_600_000, requests * 100, 120_000)
  const total = (performance.now() - started) / 1000
  return [
    row(
      'queue → D1 aggregates: events',
      aggregated.toLocaleString('en-US'),
      `${fmt(sent / 1000, 1)}s to send`,
      `${fmt(total, 1)}s to aggregate`,
      `${fmt(aggregated / total, 0)} ev/s`,
    ),
  ]
}

/**
 * Model load, two ways. On a cold isolate: a fresh `wrangler dev` over state that already holds the published model,
 * then one request. A 1-row predict loads the model (KV alias and manifest, R2 blobs, engine and encoder parse) on top
 * of the isolate's first run of the route's code; the same request again is warm, so the difference is both. Then,
 * on that warm isolate, the alias moves to a second version and a predict loads it: KV + R2 + parse alone, the
 * model load itself. The manifest route is the browser's first request. Each checkout (this one, and a baseline one
 * when given) gets its own state; restarts alternate between them so both see the same machine. Medians over
 * `restarts` fresh processes each. The alias cache TTL is 0, so a moved alias is read at once (a KV read on every
 * predict, in both checkouts alike).
 */
async function coldLoads(
  home: Home,
  scratch: string,
  checkouts: Checkout[],
  model: string,
  version: number,
  restarts: number,
): Promise<string[]> {
  const vars = { CANARY_MODE: 'off', MODEL_CACHE_TTL_SECONDS: '0' }
  const states = checkouts.map((c, i) => ({
    ...c,
    persistDir: path.join(scratch, `cold-${i}`),
    /** the second version's manifest as this checkout's Worker serves it (its own format) */
    second: null as unknown,
    predict: [] as number[],
    warm: [] as number[],
    secondLoad: [] as number[],
    secondWarm: [] as number[],
    manifest: [] as number[],
  }))
  for (const s of states) {
    const first = await startLocalWorker({ root: s.root, persistDir: s.persistDir, vars })
    const own = s.home ? (s.version ?? version) : version
    const publish = (v: number) =>
      s.home
        ? Promise.resolve(publishFromCheckout({ ...s, home: s.home }, first, model, v))
        : publishVersion(home.store, { endpoint: first.url, adminKey: first.adminKey }, model, v, 'champion')
    try {
      await publish(own - 1)
      // read raw: a baseline's manifest is of its own format
      s.second = await createWorkerClient({ endpoint: first.url, attempts: 1 }).rawManifest(model, 'champion')
      await publish(own)
    } finally {
      await first.stop()
    }
  }
  const timed = async (fn: () => Promise<unknown>) => {
    const t = performance.now()
    await fn()
    return performance.now() - t
  }
  for (let i = 0; i < restarts; i++) {
    for (const s of states) {
      for (const what of ['predict', 'manifest'] as const) {
        const worker = await startLocalWorker({ root: s.root, persistDir: s.persistDir, vars })
        try {
          const client = createWorkerClient({ endpoint: worker.url, adminKey: worker.adminKey, attempts: 1 })
          if (what === 'manifest') s.manifest.push(await timed(() => client.rawManifest(model, 'champion')))
          else {
            s.predict.push(await timed(() => client.predict(model, [FLIGHT])))
            s.warm.push(await timed(() => client.predict(model, [FLIGHT])))
            const original = await client.rawManifest(model, 'champion')
            await client.admin.putAlias(model, 'champion', s.second)
            s.secondLoad.push(await timed(() => client.predict(model, [FLIGHT])))
            s.secondWarm.push(await timed(() => client.predict(model, [FLIGHT])))
            await client.admin.putAlias(model, 'champion', original)
          }
        } finally {
          await worker.stop()
        }
      }
    }
  }
  const coldLoad = states.map((s) => median(s.predict) - median(s.warm))
  const modelLoad = states.map((s) => median(s.secondLoad) - median(s.secondWarm))
  const lines = [row(`cold isolate (fresh wrangler dev, median of ${restarts}), ms`, ...states.map((s) => s.label))]
  lines.push(row('first 1-row predict (loads the model)', ...states.map((s) => fmt(median(s.predict), 0))))
  lines.push(row('the same predict again (warm)', ...states.map((s) => fmt(median(s.warm), 0))))
  lines.push(row('cold load: first run + KV + R2 + parse (difference)', ...coldLoad.map((l) => fmt(l, 0))))
  lines.push(row('warm isolate, alias moved: predict loading it', ...states.map((s) => fmt(median(s.secondLoad), 0))))
  lines.push(row('model load: KV + R2 + parse (difference)', ...modelLoad.map((l) => fmt(l, 0))))
  lines.push(row('first manifest request', ...states.map((s) => fmt(median(s.manifest), 0))))
  if (states.length > 1) {
    const pct = (l: number[]) => `${fmt((100 * l[0]) / l[1], 0)}%`
    lines.push(row('cold load, this checkout / baseline', pct(coldLoad)))
    lines.push(row('model load, this checkout / baseline (floor ≤ 20%)', pct(modelLoad)))
  }
  return lines
}
