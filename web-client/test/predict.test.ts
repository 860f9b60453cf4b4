import { mkdir } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { launchChromium, type Session } from './support/browser.ts'
import { edgePredict, toInstance } from './support/edge.ts'
import { int8Reference, MODEL_NAME, type ModelFixture, makeModel, publish } from './support/fixture-model.ts'
import { type FlightInput, fillFlight, predictOnPage, setOffline, waitForServiceWorker, waitUntilReady } from './support/page.ts'
import { freePort } from './support/ports.ts'
import { d1Query } from './support/worker.ts'

const harness = inject('harness')
const SCREENSHOT = fileURLToPath(new URL('./__screenshots__/predict.png', import.meta.url))
/** int8 weights against the Worker's fp32 model */
const INT8_TOLERANCE = 0.02

const FLIGHT: FlightInput = { origin: 'ORD', destination: 'JFK', departedAt: '2026-06-12T18:45', distance: '740' }

let session: Session
let page: Page
let v1: ModelFixture

beforeAll(async () => {
  v1 = await makeModel(1)
  session = await launchChromium({ webgpu: false })
  page = await session.context.newPage()
  page.on('pageerror', (e) => console.log(`[page error] ${e.message}`))
})

afterAll(async () => {
  await session?.close()
})

async function waitFor<T>(probe: () => Promise<T | undefined>, ms: number): Promise<T> {
  const until = Date.now() + ms
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > until) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 500))
  }
}

describe('web client in Chromium without WebGPU', () => {
  it('predicts on the device with the TS engine by default, fetching no WebAssembly, as the int8 model and the Worker do', async () => {
    const wasm: string[] = []
    page.on('request', (r) => {
      if (r.url().endsWith('.wasm')) wasm.push(r.url())
    })
    await page.goto(harness.appUrl)
    await waitUntilReady(page)
    await fillFlight(page, { ...FLIGHT, distance: '' })
    // the route table fills the distance in
    expect(Number(await page.inputValue('#distance'))).toBeCloseTo(740, -1)
    await page.fill('#distance', FLIGHT.distance)
    const shown = await predictOnPage(page)

    expect(shown.backend).toBe('ts')
    expect(await page.getAttribute('#model-backend', 'data-backend')).toBe('ts')
    expect(wasm).toEqual([])
    expect(shown.version).toBe('v1')
    const [reference] = int8Reference(v1, [toInstance(FLIGHT)])
    expect(Math.abs(shown.probability - reference)).toBeLessThanOrEqual(1e-6)
    const edge = await edgePredict(harness.workerUrl, [toInstance(FLIGHT)])
    expect(edge.status).toBe(200)
    expect(edge.body.model?.version).toBe(1)
    expect(Math.abs(shown.probability - edge.body.predictions![0].probability)).toBeLessThanOrEqual(INT8_TOLERANCE)
    expect(shown.delayed).toBe(shown.probability >= v1.manifest.threshold)
    // the phases the browser bench breaks the first prediction into, in the order a first visit passes them
    const marks = await page.evaluate(() =>
      performance
        .getEntriesByType('mark')
        .filter((m) => m.name.startsWith('tarmac:'))
        .sort((a, b) => a.startTime - b.startTime)
        .map((m) => m.name),
    )
    expect(marks).toEqual(
      ['early', 'scripts', 'cache', 'manifest', 'blobs', 'encoder', 'engine', 'warm', 'ready'].map((p) => `tarmac:${p}`),
    )
    // the entry started the manifest request before the app's code was evaluated, and the predictor took it over:
    // each of the model's first files went over the network once
    const requests = await page.evaluate(() => {
      const [scripts] = performance.getEntriesByName('tarmac:scripts')
      return (performance.getEntriesByType('resource') as PerformanceResourceTiming[])
        .filter((r) => /\/v1\/(models|blobs)\//.test(r.name))
        .map((r) => ({ path: new URL(r.name).pathname, beforeScripts: r.startTime < scripts.startTime }))
    })
    const manifestPath = `/v1/models/${MODEL_NAME}/manifest`
    expect(requests.filter((r) => r.path === manifestPath)).toEqual([{ path: manifestPath, beforeScripts: true }])
    for (const file of [v1.manifest.files.int8, v1.manifest.files.encoder])
      expect(requests.filter((r) => r.path === `/v1/blobs/${file.sha256}`)).toHaveLength(1)

    await mkdir(fileURLToPath(new URL('./__screenshots__/', import.meta.url)), { recursive: true })
    await page.screenshot({ path: SCREENSHOT, fullPage: true })
  })

  it('gets the manifest and the model files from the Worker, which shares them with the page origin only', async () => {
    const paths = [`/v1/models/${MODEL_NAME}/manifest?alias=champion`, `/v1/blobs/${v1.manifest.files.int8.sha256}`]
    for (const path of paths) {
      const url = `${harness.workerUrl}${path}`
      const page = await fetch(url, { headers: { Origin: harness.appOrigin } })
      expect(page.status).toBe(200)
      expect(page.headers.get('access-control-allow-origin')).toBe(harness.appOrigin)
      // an api key makes the SDK's request non-simple: the preflight must allow its header
      const preflight = await fetch(url, {
        method: 'OPTIONS',
        headers: { Origin: harness.appOrigin, 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'authorization' },
      })
      expect(preflight.status).toBe(204)
      expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization')
      const foreign = await fetch(url, { headers: { Origin: 'http://elsewhere.example' } })
      expect(foreign.headers.get('access-control-allow-origin')).toBeNull()
    }
    const blob = await fetch(`${harness.workerUrl}${paths[1]}`)
    expect(blob.headers.get('cache-control')).toContain('immutable')
    expect(new Uint8Array(await blob.arrayBuffer())).toEqual(v1.int8)
  })

  it('refuses bad input with the same field errors as the Worker', async () => {
    const bad = { ...FLIGHT, origin: 'J1K', distance: '-5' }
    await fillFlight(page, bad)
    await page.click('#predict-button')
    await expect.poll(() => page.textContent('#form-error')).toContain('Origin')
    const edge = await edgePredict(harness.workerUrl, [toInstance(bad)])
    expect(edge.status).toBe(400)
    // the Worker names the first offending field; the page names it too, with the same message
    expect(edge.body.error?.field).toBe('instances.0.origin')
    expect(await page.textContent('#origin-error')).toBe(edge.body.error?.message)
    expect(await page.textContent('#distance-error')).toBe('must be > 0')
    expect(await page.getAttribute('#origin', 'aria-invalid')).toBe('true')
    // focus moves to the first invalid field for keyboard users
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('origin')
  })

  it('reloads and predicts offline, for an origin never predicted online too; telemetry queued offline reaches D1 after reconnecting', async () => {
    await fillFlight(page, FLIGHT)
    const online = await predictOnPage(page)
    await waitForServiceWorker(page)
    // every origin's encoder shard reaches Cache Storage in the background once the page is ready
    await page.waitForSelector('#offline-ready[data-origins]', { timeout: 30_000 })
    expect(Number(await page.getAttribute('#offline-ready', 'data-origins'))).toBe(Object.keys(v1.manifest.files.shards).length)

    await session.context.setOffline(true)
    const response = await page.reload()
    expect(response?.fromServiceWorker()).toBe(true)
    await waitUntilReady(page)
    await setOffline(session.context, page, true)
    await fillFlight(page, FLIGHT)
    const offline = await predictOnPage(page)
    expect(offline.backend).toBe('ts')
    expect(offline.probability).toBe(online.probability)
    expect(await page.textContent('#network')).toContain('Offline')
    const elsewhere: FlightInput = { origin: 'SEA', destination: 'BOS', departedAt: '2026-06-12T07:10', distance: '2496' }
    expect(v1.manifest.files.shards.SEA).toBeDefined()
    await fillFlight(page, elsewhere)
    const fromSea = await predictOnPage(page)
    expect(fromSea.backend).toBe('ts')
    expect(Math.abs(fromSea.probability - int8Reference(v1, [toInstance(elsewhere)])[0])).toBeLessThanOrEqual(1e-6)
    // the note of the saved model gone (site storage cleared apart from Cache Storage): the page tries a download as
    // on a first visit, and when that fails offline the cached model still serves
    await page.evaluate(() => localStorage.clear())
    await page.reload()
    await waitUntilReady(page)
    await fillFlight(page, FLIGHT)
    expect(await predictOnPage(page)).toMatchObject({ backend: 'ts', probability: online.probability })
    // queued on the device, not at the Worker
    await page.waitForTimeout(2500)
    const early = await d1Query<{ n: number }>(
      harness.persistTo,
      `select count(*) as n from predictions where prediction_id = '${offline.id}'`,
    )
    expect(early[0].n).toBe(0)

    await setOffline(session.context, page, false)
    const stored = await waitFor(async () => {
      const rows = await d1Query<{ source: string; engine: string; version: number; probability: number }>(
        harness.persistTo,
        `select source, engine, version, probability from predictions where prediction_id = '${offline.id}'`,
      )
      return rows.length > 0 ? rows[0] : undefined
    }, 30_000)
    expect(stored).toMatchObject({ source: 'browser', engine: 'ts', version: 1 })
    expect(stored.probability).toBeCloseTo(offline.probability, 6)
  })

  it('offers a new model version when the alias moves, and predicts with it after the person accepts', async () => {
    const v2 = await makeModel(2)
    await publish(harness.workerUrl, harness.adminKey, v2)
    await page.reload()
    await waitUntilReady(page)
    // the cached v1 serves at once; the prompt appears when the network says v2
    await page.waitForSelector('#update:not([hidden])')
    expect(await page.textContent('#update-text')).toContain('version 2')
    await page.click('#update-button')
    await page.waitForFunction(() => document.getElementById('model-version')?.textContent?.includes('v2'))
    await page.waitForSelector('#update', { state: 'hidden' })

    await fillFlight(page, FLIGHT)
    const shown = await predictOnPage(page)
    expect(shown.version).toBe('v2')
    const [reference] = int8Reference(v2, [toInstance(FLIGHT)])
    expect(Math.abs(shown.probability - reference)).toBeLessThanOrEqual(1e-6)
    const edge = await edgePredict(harness.workerUrl, [toInstance(FLIGHT)])
    expect(edge.body.model?.version).toBe(2)
    expect(Math.abs(shown.probability - edge.body.predictions![0].probability)).toBeLessThanOrEqual(INT8_TOLERANCE)
    // the cache keeps only the current model: its int8 graph, its global encoder tables and its shards, every origin's
    // once the background download is done
    await page.waitForFunction((v) => document.getElementById('offline-ready')?.textContent?.includes(`version ${v}`), 2)
    const cached = await page.evaluate(async () => {
      const names = await caches.keys()
      const models = names.filter((n) => n.startsWith('tarmac-model:'))
      return (await Promise.all(models.map(async (n) => (await (await caches.open(n)).keys()).map((r) => r.url)))).flat()
    })
    const url = (f: { sha256: string }) => `${harness.workerUrl}/v1/blobs/${f.sha256}`
    const v2Files = [v2.manifest.files.int8, v2.manifest.files.encoder, ...Object.values(v2.manifest.files.shards)].map(url)
    expect(cached.filter((u) => u.includes('/v1/blobs/')).sort()).toEqual([...new Set(v2Files)].sort())
    const v1Only = [v1.manifest.files.int8, ...Object.values(v1.manifest.files.shards)].map(url).filter((u) => !v2Files.includes(u))
    expect(v1Only.length).toBeGreaterThan(0)
  })

  it('answers from the edge Worker when no model can be loaded on the device, and says so', async () => {
    // models from a port nothing listens on: the manifest fetch fails and the SDK falls back to the Worker's predict route
    const url = new URL(harness.appUrl)
    url.searchParams.set('models', `http://127.0.0.1:${await freePort()}`)
    const edgePage = await session.context.newPage()
    await edgePage.goto(url.href)
    await waitUntilReady(edgePage)
    expect(await edgePage.getAttribute('#model-backend', 'data-backend')).toBe('edge')
    await fillFlight(edgePage, FLIGHT)
    const shown = await predictOnPage(edgePage)
    expect(shown.backend).toBe('edge')
    const edge = await edgePredict(harness.workerUrl, [toInstance(FLIGHT)])
    expect(shown.probability).toBe(edge.body.predictions![0].probability)
    await edgePage.close()
  })
})
