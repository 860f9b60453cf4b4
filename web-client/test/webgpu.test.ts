import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { launchChromium, type Session } from './support/browser.ts'
import { toInstance } from './support/edge.ts'
import { int8Reference, makeModel } from './support/fixture-model.ts'
import { fillFlight, predictOnPage, waitUntilReady } from './support/page.ts'

const harness = inject('harness')
let session: Session

beforeAll(async () => {
  session = await launchChromium({ webgpu: true })
})

afterAll(async () => {
  await session?.close()
})

describe('web client in Chromium with --enable-unsafe-webgpu', () => {
  it('runs the model on WebGPU when the page asks for it first (the TS engine is the default) and says so', async () => {
    const page = await session.context.newPage()
    const url = new URL(harness.appUrl)
    url.searchParams.set('backends', 'webgpu,wasm,edge')
    await page.goto(url.href)
    await waitUntilReady(page)
    const flight = { origin: 'SEA', destination: 'BOS', departedAt: '2026-06-13T07:10', distance: '2496' }
    await fillFlight(page, flight)
    const shown = await predictOnPage(page)
    expect(shown.backend).toBe('ort-webgpu')
    // whichever version the alias points at by now (the other file may have published v2)
    const version = Number(shown.version.slice(1))
    const [reference] = int8Reference(await makeModel(version), [toInstance(flight)])
    expect(Math.abs(shown.probability - reference)).toBeLessThanOrEqual(1e-5)
  })
})
