/**
 * Browser bench of the web client in headless Chromium, per backend in the same run — the TS engine (the
 * default) and onnxruntime-web wasm (the default before it) — each round in fresh profiles of a running browser
 * (one that has drawn another site's page, as the browser of a person following a link has): time to first prediction
 * (cold, then a repeat visit served by the service worker and Cache Storage) with its phases (the page's
 * performance marks) and requests (service worker, HTTP cache or network), bytes transferred before the first
 * prediction and in all, single-row latency and a 1,000-row batch; beside them a bare page (the same shell, no
 * script, no model), the baseline no page can beat on this machine, also in a just-launched browser, which shows
 * what the browser's own start-up would add. `--smoke`: one round instead of five. Run: npx tsx web-client/bench.ts (builds the client, starts `wrangler dev` for the
 * manifest and the model file; needs /usr/bin/chromium).
 */
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import type { Page } from 'playwright-core'
import { preview } from 'vite'
import { CHROMIUM, launchChromium } from './test/support/browser.ts'
import { AIRPORTS, makeModel, publish } from './test/support/fixture-model.ts'
import { freePort } from './test/support/ports.ts'
import { startLocalWorker } from './test/support/worker.ts'

const configFile = fileURLToPath(new URL('./vite.config.ts', import.meta.url))
const dist = fileURLToPath(new URL('./dist', import.meta.url))
const VITE = fileURLToPath(new URL('../node_modules/vite/bin/vite.js', import.meta.url))
const ADMIN_KEY = 'bench-admin-key'
const SINGLE_RUNS = 2000
const BATCH_ROWS = 1000
const BATCH_RUNS = 20
/** fresh profiles per page: one sample of a cold visit on a shared 2-core machine swings by ±50% */
const ROUNDS = process.argv.includes('--smoke') ? 1 : 5

interface Resource {
  url: string
  name: string
  startMs: number
  endMs: number
  /** 'sw' answered by the service worker (respondWith), 'cache' by the HTTP cache, 'net' over the network */
  from: 'sw' | 'cache' | 'net'
  bytes: number
}

interface Visit {
  firstPredictionMs: number
  loadMs: number
  /** transferred before the first prediction returned */
  firstBytes: number
  bytes: number
  /** ms from navigation start at which each phase ended, in order */
  phases: [string, number][]
  resources: Resource[]
}

/**
 * Navigation start → the page's predictor is ready (performance mark) → one prediction returned, with the
 * phases between: the HTML, the page's scripts evaluated, then the SDK's load marks (tarmac:*).
 */
interface Traffic {
  /** bytes over the network */
  total: number
  /** URLs the service worker answered */
  fromServiceWorker: Set<string>
}

async function visit(page: Page, url: string | null, bytes: Traffic): Promise<Visit> {
  bytes.total = 0
  bytes.fromServiceWorker.clear()
  if (url) await page.goto(url)
  else await page.reload()
  await page.waitForSelector('#status[data-state="ready"]', { timeout: 60_000 })
  const measured = await page.evaluate(async () => {
    const predictor = window.tarmac!.predictor
    const [mark] = performance.getEntriesByName('tarmac:ready')
    const t0 = performance.now()
    await predictor.predict([{ origin: 'ORD', destination: 'JFK', departedAt: '2026-06-12T18:45:00', distance: 740 }])
    const predictMs = performance.now() - t0
    const [nav] = performance.getEntriesByType('navigation') as PerformanceNavigationTiming[]
    const marks = performance.getEntriesByType('mark').filter((m) => m.name.startsWith('tarmac:') && m.startTime <= t0)
    const phases: [string, number][] = [
      ['html', nav.responseEnd],
      ['dom', nav.domInteractive],
      ...marks.map((m): [string, number] => [m.name.slice('tarmac:'.length), m.startTime]),
      ['predicted', mark.startTime + predictMs],
    ]
    const resources = (performance.getEntriesByType('resource') as PerformanceResourceTiming[])
      .filter((r) => r.startTime <= t0)
      .map((r) => ({
        url: r.name,
        name: new URL(r.name).pathname.replace(/^.*\//, '') || r.name,
        startMs: r.startTime,
        endMs: r.responseEnd,
        fromHttpCache: r.transferSize === 0 && r.encodedBodySize > 0,
        bytes: r.transferSize,
      }))
    return { readyAt: mark.startTime, predictMs, loadMs: predictor.timings.loadMs, phases, resources }
  })
  return {
    firstPredictionMs: measured.readyAt + measured.predictMs,
    loadMs: measured.loadMs,
    firstBytes: bytes.total,
    bytes: bytes.total,
    phases: measured.phases,
    resources: measured.resources.map(({ fromHttpCache, ...r }) => ({
      ...r,
      from: bytes.fromServiceWorker.has(r.url) ? 'sw' : fromHttpCache ? 'cache' : 'net',
    })),
  }
}

function breakdown(v: Visit): string[] {
  const phases = v.phases.map(([name, at]) => `${name} ${at.toFixed(0)}`).join(' · ')
  const resources = v.resources.map((r) => `${r.name} ${r.startMs.toFixed(0)}→${r.endMs.toFixed(0)} ${r.from}`).join(', ')
  return [`    phases (ms from navigation start): ${phases}`, `    requests: ${resources}`]
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

type Session = Awaited<ReturnType<typeof launchChromium>>

/** Another site's page (text, a form, a button): what a browser a person already uses has rendered before. */
const ELSEWHERE = `<!doctype html><html lang="en"><title>elsewhere</title><body><h1>Another site</h1>
<p>Some text in the default fonts, <b>bold</b> and <i>italic</i>.</p><form><label>Field <input></label>
<select><option>one</option></select><button>Send</button></form></body></html>`

/**
 * A fresh profile (no HTTP cache, no service worker, no Cache Storage for any site) in a browser that is already
 * running: it has drawn another site's page, so the visit does not pay the browser's own start-up (its first
 * layout, fonts and renderer), which a person opening a link never waits for.
 */
async function runningBrowser(): Promise<Session> {
  const session = await launchChromium({ webgpu: false })
  const page = await session.context.newPage()
  await page.setContent(ELSEWHERE)
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))))
  return session
}

interface Round {
  cold: Visit
  warm: Visit
}

/** One fresh profile: a cold visit, then a repeat visit served by the service worker and Cache Storage. */
async function visitTwice(session: Session, url: string): Promise<Round & { page: Page }> {
  const bytes: Traffic = { total: 0, fromServiceWorker: new Set() }
  session.context.on('requestfinished', async (request) => {
    const response = await request.response()
    if (response?.fromServiceWorker()) {
      bytes.fromServiceWorker.add(request.url())
      return
    }
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
  return { cold, warm, page }
}

/** The bare page in a fresh profile: navigation start → its inline script ran, cold and repeat. */
async function bareTwice(session: Session, url: string): Promise<{ cold: number; warm: number }> {
  const { page, cold } = await bareFirstVisit(session, url)
  await waitForServiceWorker(page)
  await page.reload()
  return { cold, warm: await bareReadyAt(page) }
}

/** The bare page's first visit in a fresh profile: navigation start → its inline script ran. */
async function bareFirstVisit(session: Session, url: string): Promise<{ page: Page; cold: number }> {
  const page = await session.context.newPage()
  await page.goto(url)
  return { page, cold: await bareReadyAt(page) }
}

const bareReadyAt = (page: Page) => page.evaluate(() => performance.getEntriesByName('tarmac:ready')[0].startTime)

const median = (xs: readonly number[]) => quantile(xs, 0.5)
const spread = (xs: readonly number[]) => `${median(xs).toFixed(0)} ms (${xs.map((x) => x.toFixed(0)).join(', ')})`
/** the run whose first prediction is the median one: its breakdown is printed */
const medianRun = (visits: readonly Visit[]) =>
  [...visits].sort((a, b) => a.firstPredictionMs - b.firstPredictionMs)[Math.floor(visits.length / 2)]

function report(label: string, rounds: readonly Round[], lat: Awaited<ReturnType<typeof latencies>>): void {
  const kb = (n: number) => `${(n / 1024).toFixed(0)} KiB`
  const cold = medianRun(rounds.map((r) => r.cold))
  const warm = medianRun(rounds.map((r) => r.warm))
  console.log(
    `${label}: backend ${lat.backend}, crossOriginIsolated ${lat.isolated}, smallest timer step ${(lat.timerResolution * 1000).toFixed(1)} µs`,
  )
  console.log(
    `  first visit  : first prediction ${spread(rounds.map((r) => r.cold.firstPredictionMs))} (floor ≤ 300; model load ${cold.loadMs.toFixed(0)} ms), ${kb(cold.firstBytes)} transferred before it (floor ≤ 500 KB), ${kb(cold.bytes)} with the service-worker precache`,
  )
  for (const line of breakdown(cold)) console.log(line)
  console.log(
    `  repeat visit : first prediction ${spread(rounds.map((r) => r.warm.firstPredictionMs))} (floor ≤ 100; model load ${warm.loadMs.toFixed(0)} ms), ${kb(warm.firstBytes)} transferred before it, ${kb(warm.bytes)} in all`,
  )
  for (const line of breakdown(warm)) console.log(line)
  console.log(
    `  single row   : median ${(lat.median * 1000).toFixed(1)} µs, p99 ${(lat.p99 * 1000).toFixed(1)} µs over ${SINGLE_RUNS} predict() calls`,
  )
  console.log(`  ${BATCH_ROWS}-row batch: median ${lat.batchMedian.toFixed(2)} ms over ${BATCH_RUNS} runs`)
}

/** A service worker that answers every request from its cache: the least a controlled repeat visit costs. */
const BARE_SERVICE_WORKER = `
addEventListener('install', (e) => { skipWaiting(); e.waitUntil(caches.open('bare').then((c) => c.addAll(PRECACHE))) })
addEventListener('activate', (e) => e.waitUntil(clients.claim()))
addEventListener('fetch', (e) => e.respondWith(caches.match(e.request, { ignoreSearch: true }).then((hit) => hit ?? fetch(e.request))))
`

/**
 * The baseline no page can beat: the built page's shell (its HTML and CSS) with its scripts replaced by an
 * inline one that marks ready and registers a cache-first service worker, so the repeat visit is controlled too.
 */
async function writeBarePage(): Promise<void> {
  const html = await readFile(join(dist, 'index.html'), 'utf8')
  const css = [...html.matchAll(/<link rel="stylesheet"[^>]*href="([^"]+)"/g)].map((m) => m[1])
  const bare = html
    .replace(/<script\b[^>]*>[\s\S]*?<\/script>|<link rel="modulepreload"[^>]*>/g, '')
    .replace('</body>', `<script>performance.mark('tarmac:ready'); navigator.serviceWorker.register('/bare-sw.js')</script></body>`)
  await writeFile(join(dist, 'bare.html'), bare)
  await writeFile(join(dist, 'bare-sw.js'), `const PRECACHE = ${JSON.stringify(['/bare.html', ...css])}\n${BARE_SERVICE_WORKER}`)
}

async function main(): Promise<void> {
  const { NODE_ENV: _, ...env } = process.env
  await promisify(execFile)(process.execPath, [VITE, 'build', '--config', configFile, '--logLevel', 'warn'], { env })
  await writeBarePage()
  const port = await freePort()
  const state = await mkdtemp(join(tmpdir(), 'tarmac-bench-'))
  const worker = await startLocalWorker({ persistTo: state, origin: `http://127.0.0.1:${port}`, adminKey: ADMIN_KEY })
  await publish(worker.url, ADMIN_KEY, await makeModel(1))
  const server = await preview({ configFile, logLevel: 'warn', preview: { host: '127.0.0.1', port, strictPort: true } })
  const backends = [
    ['TS engine (default)', 'ts'],
    ['onnxruntime-web wasm (the default before)', 'wasm'],
  ] as const
  const rounds = new Map<string, Round[]>(backends.map(([label]) => [label, []]))
  const bare: { cold: number; warm: number }[] = []
  const bareJustLaunched: number[] = []
  const lat = new Map<string, Awaited<ReturnType<typeof latencies>>>()
  try {
    // rounds interleave the pages, so a change in the machine's load falls on all of them alike
    for (let round = 0; round < ROUNDS; round++) {
      const session = await runningBrowser()
      try {
        bare.push(await bareTwice(session, `http://127.0.0.1:${port}/bare.html`))
      } finally {
        await session.close()
      }
      const launched = await launchChromium({ webgpu: false })
      try {
        bareJustLaunched.push((await bareFirstVisit(launched, `http://127.0.0.1:${port}/bare.html`)).cold)
      } finally {
        await launched.close()
      }
      for (const [label, backend] of backends) {
        const session = await runningBrowser()
        try {
          const url = `http://127.0.0.1:${port}/?${new URLSearchParams({ endpoint: worker.url, sample: '0', backends: backend })}`
          const { page, ...visits } = await visitTwice(session, url)
          rounds.get(label)!.push(visits)
          if (round === ROUNDS - 1) lat.set(label, await latencies(page))
        } finally {
          await session.close()
        }
      }
    }
    // the browser's build: the same page's timings differ between Chromium versions on one machine
    const { stdout: version } = await promisify(execFile)(CHROMIUM, ['--version'])
    console.log(
      `fresh ${version.trim().replace(/ built on .*$/, '')} profiles in a running browser (it has drawn another site's page), ${ROUNDS} rounds; first prediction as the median (each round)`,
    )
    console.log(
      `bare page (the same HTML and CSS, no script, no model; the floor no page beats here): first visit ${spread(bare.map((b) => b.cold))}, repeat visit ${spread(bare.map((b) => b.warm))}`,
    )
    console.log(
      `bare page in a just-launched browser (its start-up included, as this bench measured before): first visit ${spread(bareJustLaunched)}`,
    )
    for (const [label] of backends) report(label, rounds.get(label)!, lat.get(label)!)
  } finally {
    await new Promise<void>((resolve) => server.httpServer.close(() => resolve()))
    await worker.stop()
    await rm(state, { recursive: true, force: true })
  }
}

await main()
