import { mkdir } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import type { MonitoringRun } from '@tarmac/sdk/contracts/monitoring'
import { estimatedPerformance } from '@tarmac/sdk/metrics'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { launchChromium, type Session } from './support/browser.ts'
import { makeModel, publish } from './support/fixture-model.ts'
import { monitorDays, type ReplayPlan, replayPredictions, sendFeedback, waitForTelemetry } from './support/replay.ts'

const harness = inject('harness')
const SCREENSHOT = fileURLToPath(new URL('./__screenshots__/monitor.png', import.meta.url))

// a model of its own, so the predict tests' traffic and alias moves do not reach these charts
const PLAN: ReplayPlan = {
  model: 'flight-delay-replay',
  start: Date.UTC(2001, 2, 5),
  days: 5,
  shiftedDays: new Set([2, 3]),
  labelledShare: 0.3,
}

let session: Session
let page: Page
let runs: MonitoringRun[]
let sent: number

beforeAll(async () => {
  const model = await makeModel(1, PLAN.model)
  // outcomes are drawn from the scores (see sendFeedback): the AUC to expect is CBPE's on the reference
  model.manifest.metrics.val_auc = estimatedPerformance(model.manifest.referenceProfile.prediction, model.manifest.threshold).auc
  await publish(harness.workerUrl, harness.adminKey, model)
  const served = await replayPredictions(harness.workerUrl, harness.adminKey, PLAN)
  sent = served.length
  await waitForTelemetry(harness.workerUrl, PLAN, sent)
  await sendFeedback(harness.workerUrl, harness.adminKey, served, PLAN.labelledShare)
  runs = await monitorDays(harness.workerUrl, harness.adminKey, PLAN)
  session = await launchChromium({ webgpu: false })
  page = await session.context.newPage()
  page.on('pageerror', (e) => console.log(`[page error] ${e.message}`))
  await page.setViewportSize({ width: 1280, height: 900 })
}, 90_000)

afterAll(async () => {
  await session?.close()
})

describe('monitoring dashboard on a replay dated in 2001', () => {
  it('finds drift on the shifted days only', () => {
    const distance = runs.map((run) => run.evaluations[0]?.drift?.report.features.find((f) => f.feature === 'distance')?.drifted)
    expect(distance).toEqual([false, false, true, true, false])
    // the longer flights move the scores too: the prediction drift alert fires on day 3 and resolves on day 5
    // (latency_p99 measures this machine's load, not the data: it is left out here)
    const changes = runs.map((run) => run.changes.filter((c) => c.alert.rule !== 'latency_p99').map((c) => `${c.kind} ${c.alert.rule}`))
    expect(changes).toEqual([[], [], ['fired prediction_drift'], ['updated prediction_drift'], ['resolved prediction_drift']])
  })

  it('charts volume, latency, distribution, AUC and per-feature drift over the replayed range', async () => {
    const query = new URLSearchParams({ endpoint: harness.workerUrl, model: PLAN.model })
    await page.goto(`${harness.appOrigin}/monitor.html?${query}`)
    await page.waitForSelector('#monitor-status[data-state="ready"]', { timeout: 30_000 })

    // no from/to given: the range is the span of the stored windows
    expect(await page.textContent('#summary-range')).toBe('2001-03-05 00:00 – 2001-03-10 00:00 UTC')
    expect(await page.textContent('#monitor-status')).toContain(`${sent} predictions`)
    const canvases = await page.$$eval('.chart canvas', (els) => els.map((c) => c.getBoundingClientRect()).map((r) => [r.width, r.height]))
    // 5 main charts + 5 features + the prediction
    expect(canvases.length).toBe(11)
    for (const [w, h] of canvases) expect(w * h).toBeGreaterThan(0)
    for (const id of ['volume', 'latency', 'distribution', 'performance', 'calibration']) {
      expect(await page.getAttribute(`#${id} .plot`, 'aria-label')).toBeTruthy()
      expect(await page.$$eval(`#${id} tbody tr`, (rows) => rows.length)).toBeGreaterThan(0)
    }
    // ECE per window beside the AUCs: the figures the monitoring passes stored, oldest window first
    const ece = runs.map((run) => run.evaluations[0]?.performance.realized.ece)
    expect(ece.every((e) => typeof e === 'number' && e >= 0 && e < 1)).toBe(true)
    expect(await page.$$eval('#calibration details tbody tr td:first-of-type', (cells) => cells.map((c) => c.textContent))).toEqual(
      ece.map((e) => e?.toFixed(4)),
    )
    // beside it, the error a calibrated model would show on the same labelled predictions: positive, shrinking with labels
    const floors = runs.map((run) => run.evaluations[0]?.performance.realized.eceNoiseFloor)
    expect(floors.every((f) => typeof f === 'number' && f > 0 && f < 0.5)).toBe(true)
    expect(await page.$$eval('#calibration details tbody tr td:nth-of-type(2)', (cells) => cells.map((c) => c.textContent))).toEqual(
      floors.map((f) => f?.toFixed(4)),
    )
    expect(await page.getAttribute('#drift-summary [data-feature="distance"]', 'data-drifted')).toBe('true')
    expect(await page.textContent('#drift-summary [data-feature="distance"]')).toContain('drifted in 2 of 5 windows')

    const fired = new Set(runs.flatMap((run) => run.changes.filter((c) => c.alert.model === PLAN.model).map((c) => c.alert.id)))
    expect(await page.$$eval('#alerts-body tr', (rows) => rows.length)).toBe(fired.size)
    if (fired.size > 0) expect(await page.isHidden('#alerts-empty')).toBe(true)

    await mkdir(fileURLToPath(new URL('./__screenshots__/', import.meta.url)), { recursive: true })
    await page.screenshot({ path: SCREENSHOT, fullPage: true })
  })

  it('fits the charts to a phone-sized window', async () => {
    await page.setViewportSize({ width: 390, height: 844 })
    await expect
      .poll(() => page.$$eval('.chart canvas', (els) => Math.max(...els.map((c) => c.getBoundingClientRect().right))))
      .toBeLessThanOrEqual(390)
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
  })
})
