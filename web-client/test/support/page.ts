import type { BrowserContext, Page } from 'playwright-core'

export interface FlightInput {
  origin: string
  destination: string
  /** datetime-local value, minutes precision */
  departedAt: string
  distance: string
}

export interface PagePrediction {
  probability: number
  id: string
  delayed: boolean
  backend: string
  version: string
}

export async function waitUntilReady(page: Page): Promise<void> {
  await page.waitForSelector('#status[data-state="ready"]', { timeout: 60_000 })
}

export async function fillFlight(page: Page, flight: FlightInput): Promise<void> {
  await page.fill('#origin', flight.origin)
  await page.dispatchEvent('#origin', 'change')
  await page.fill('#destination', flight.destination)
  await page.dispatchEvent('#destination', 'change')
  await page.fill('#departedAt', flight.departedAt)
  // empty: keep what the route table filled in
  if (flight.distance !== '') await page.fill('#distance', flight.distance)
}

/** Submits with the keyboard (Enter in a field), as a person would, and reads the result the page shows. */
export async function predictOnPage(page: Page): Promise<PagePrediction> {
  const before = await page.getAttribute('#probability', 'data-prediction-id')
  await page.focus('#distance')
  await page.keyboard.press('Enter')
  await page.waitForFunction((prev) => {
    const id = document.getElementById('probability')?.dataset.predictionId
    return id !== undefined && id !== prev
  }, before)
  return page.evaluate(() => {
    const probability = document.getElementById('probability')!
    return {
      probability: Number(probability.dataset.probability),
      id: probability.dataset.predictionId!,
      delayed: document.getElementById('verdict')!.dataset.delayed === 'true',
      backend: document.getElementById('result-backend')!.dataset.backend!,
      version: document.getElementById('result-model')!.textContent!,
    }
  })
}

/** The service worker controls the page (clientsClaim), so the next load can be served offline. */
export async function waitForServiceWorker(page: Page): Promise<void> {
  const until = Date.now() + 20_000
  while (!(await page.evaluate(() => navigator.serviceWorker.controller !== null))) {
    if (Date.now() > until) {
      const state = await page.evaluate(async () => {
        const r = await navigator.serviceWorker.getRegistration()
        return JSON.stringify({ reg: !!r, installing: r?.installing?.state, waiting: r?.waiting?.state, active: r?.active?.state })
      })
      throw new Error(`no service worker took control of the page: ${state}`)
    }
    await page.waitForTimeout(250)
  }
}

/**
 * The browser offline (or back online), as the page sees it too. Playwright's offline emulation keeps failing a
 * reloaded page's requests, but Chromium 150 then reports that page as online again (navigator.onLine, no offline
 * event): the DevTools network state override tells the page itself. Call it after each reload the test needs seen.
 */
export async function setOffline(context: BrowserContext, page: Page, offline: boolean): Promise<void> {
  await context.setOffline(offline)
  const cdp = await context.newCDPSession(page)
  await cdp.send('Network.overrideNetworkState', { offline, latency: 0, downloadThroughput: -1, uploadThroughput: -1 })
}
