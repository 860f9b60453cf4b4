/**
 * Browser bench of the web client in headless Chromium, once per backend in the same run — the TS engine (the
 * default) and onnxruntime-web wasm (the default before it) — each in a fresh profile: time to first prediction
 * (cold, then a repeat visit served by the service worker and Cache Storage), bytes transferred before the first
 * prediction and in all, single-row latency and a 1,000-row batch. Run: npx tsx web-client/bench.ts (builds the client, starts `wrangler dev` for the
 * manifest and the model file; needs /usr/bin/chromium).
 */
import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import type { Page } from 'playwright-core'
import { preview } from 'vite'
import { launchChromium } from './test/support/browser.ts'
import { AIRPORTS, makeModel, publish } from './test/support/fixture-model.ts'
import { freePort } from './test/support/ports.ts'
import { startLocalWorker } from './test/support/worker.ts'

const configFile = fileURLToPath(new URL('./vite.config.ts', import.meta.url))
const VITE = fileURLToPath(new URL('../node_modules/vite/bin/vite.js', import.meta.url))
const ADMIN_KEY = 'bench-admin-key'
const SINGLE_RUNS = 2000
const BATCH_ROWS = 1000
const BATCH_RUNS = 20

interface Visit {
  firstPredictionMs: number
  loadMs: number
  /** transferred before the first prediction returned */
  firstBytes: number
  bytes: number
}

/** Navigation start → the page's predictor is ready (performance mark) → one prediction returned. */
async function visit(page: Page, url: string | null, bytes: { total: number }): Promise<Visit> {
  bytes.total = 0
  if (url) await page.goto(url)
  else await page.reload()
  await page.waitForSelector('#status[data-state="ready"]', { timeout: 60_000 })
  const { readyAt, predictMs, loadMs } = await page.evaluate(async () => {
    const predictor = window.tarmac!.predictor
    const [mark] = performance.getEntriesByName('tarmac:ready')
    const t0 = performance.now()
    await predictor.predict([{ origin: 'ORD', destination: 'JFK', departedAt: '2026-06-12T18:45:00', distance: 740 }])
    return { readyAt: mark.startTime, predictMs: performance.now() - t0, loadMs: predictor.timings.loadMs }
  })
  return { firstPredictionMs: readyAt + predictMs, loadMs, firstBytes: bytes.total, bytes: bytes.total }
}

async function waitForServiceWorker(page: Page): Promise<void> {
  while (!(await page.evaluate(() => navigator.serviceWorker.controller !== null))) await page.waitForTimeout(100)
}

function rows(n: number) {
  return Array.from({ length: n }, (_, i) => ({
    origin: AIRPORTS[i % AIRPORTS.length],
    destination: AIRPORTS[(i + 1 + (i % 7)) % AIRPORTS.length],
    departedAt: `2026-06-${String(1 + (i % 28)).padStart(2, '0')}T${String(i % 24).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}:00`,
    distance: 200 + (i % 2400),
  }))
}

function quantile(xs: readonly number[], q: number): number {
  const sorted = [...xs].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]
}

/** Raw timings from the page (no helper functions inside: tsx would wrap them in a __name the page lacks). */
async function latencies(page: Page) {
  const raw = await page.evaluate(
    async ({ single, batch, batchRuns }) => {
      const predictor = window.tarmac!.predictor
      for (let i = 0; i < 200; i++) await predictor.predict([single[i % single.length]])
      const times: number[] = []
      for (const row of single) {
        const t0 = performance.now()
        await predictor.predict([row])
        times.push(performance.now() - t0)
      }
      const batchTimes: number[] = []
      for (let i = 0; i < batchRuns; i++) {
        const t0 = performance.now()
        await predictor.predict(batch)
        batchTimes.push(performance.now() - t0)
      }
      return { isolated: crossOriginIsolated, backend: predictor.backend, times, batchTimes }
    },
    { single: rows(SINGLE_RUNS), batch: rows(BATCH_ROWS), batchRuns: BATCH_RUNS },
  )
  return {
    ...raw,
    median: quantile(raw.times, 0.5),
    p99: quantile(raw.times, 0.99),
    batchMedian: quantile(raw.batchTimes, 0.5),
    timerResolution: Math.min(...raw.times.filter((t) => t > 0)),
  }
}

async function measure(session: Awaited<ReturnType<typeof launchChromium>>, label: string, url: string): Promise<void> {
  const bytes = { total: 0 }
  session.context.on('requestfinished', async (request) => {
    const response = await request.response()
    if (response?.fromServiceWorker()) return
    const sizes = await request.sizes()
    bytes.total += sizes.responseBodySize + sizes.responseHeadersSize
  })
  const page = await session.context.newPage()
  // the Worker serves the manifest and the model files; telemetry off and no edge fallback
  const cold = await visit(page, url, bytes)
  await waitForServiceWorker(page)
  // the service worker's precache download belongs to the first visit
  await page.waitForTimeout(1000)
  cold.bytes = bytes.total
  const warm = await visit(page, null, bytes)
  await page.waitForTimeout(500)
  warm.bytes = bytes.total
  const lat = await latencies(page)
  const kb = (n: number) => `${(n / 1024).toFixed(0)} KiB`
  console.log(
    `${label}: backend ${lat.backend}, crossOriginIsolated ${lat.isolated}, smallest timer step ${(lat.timerResolution * 1000).toFixed(1)} µs`,
  )
  console.log(
    `  first visit  : first prediction ${cold.firstPredictionMs.toFixed(0)} ms (floor ≤ 300; model load ${cold.loadMs.toFixed(0)} ms), ${kb(cold.firstBytes)} transferred before it (floor ≤ 500 KB), ${kb(cold.bytes)} with the service-worker precache`,
  )
  console.log(
    `  repeat visit : first prediction ${warm.firstPredictionMs.toFixed(0)} ms (floor ≤ 100; model load ${warm.loadMs.toFixed(0)} ms), ${kb(warm.firstBytes)} transferred before it, ${kb(warm.bytes)} in all`,
  )
  console.log(
    `  single row   : median ${(lat.median * 1000).toFixed(1)} µs, p99 ${(lat.p99 * 1000).toFixed(1)} µs over ${SINGLE_RUNS} predict() calls`,
  )
  console.log(`  ${BATCH_ROWS}-row batch: median ${lat.batchMedian.toFixed(2)} ms over ${BATCH_RUNS} runs`)
}

async function main(): Promise<void> {
  const { NODE_ENV: _, ...env } = process.env
  await promisify(execFile)(process.execPath, [VITE, 'build', '--config', configFile, '--logLevel', 'warn'], { env })
  const port = await freePort()
  const state = await mkdtemp(join(tmpdir(), 'tarmac-bench-'))
  const worker = await startLocalWorker({ persistTo: state, origin: `http://127.0.0.1:${port}`, adminKey: ADMIN_KEY })
  await publish(worker.url, ADMIN_KEY, await makeModel(1))
  const server = await preview({ configFile, logLevel: 'warn', preview: { host: '127.0.0.1', port, strictPort: true } })
  try {
    for (const [label, backends] of [
      ['TS engine (default)', 'ts'],
      ['onnxruntime-web wasm (the default before)', 'wasm'],
    ] as const) {
      const session = await launchChromium({ webgpu: false })
      try {
        await measure(session, label, `http://127.0.0.1:${port}/?${new URLSearchParams({ endpoint: worker.url, sample: '0', backends })}`)
      } finally {
        await session.close()
      }
    }
  } finally {
    await new Promise<void>((resolve) => server.httpServer.close(() => resolve()))
    await worker.stop()
    await rm(state, { recursive: true, force: true })
  }
}

await main()
