import { createHash } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildDemoHome, DEMO_MODEL, type DemoHome, ROLLBACK_REASON } from '../../../test/ui/demo-home.ts'
import { spawnTarmac, type TarmacProcess } from '../../local/tarmac-process.ts'
import { launchUiBrowser, type UiBrowser } from './chromium.ts'

// The UI as a person meets it: a real `tarmac serve` over a home made by two real (small) training runs,
// driven in Chromium, audited by Lighthouse.

const MONITOR_URL = 'http://127.0.0.1:5173/monitor.html?endpoint=http%3A%2F%2F127.0.0.1%3A8787'
let dir: string
let demo: DemoHome
let server: TarmacProcess
let base: string
let ui: UiBrowser
let page: Page

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tarmac-ui-browser-'))
  demo = await buildDemoHome(dir)
  server = spawnTarmac(['serve', '--port', '0', '--monitor-url', MONITOR_URL, '--json'], {
    ...process.env,
    TARMAC_HOME: demo.home,
    TARMAC_ADMIN_KEY: 'ui-browser-test-admin-key',
  })
  await server.waitFor(/"url"/)
  base = JSON.parse(server.output().slice(server.output().indexOf('{'))).url
  ui = await launchUiBrowser()
  page = await ui.browser.newPage({ viewport: { width: 1280, height: 900 } })
}, 900_000)

afterAll(async () => {
  await ui?.close()
  await server?.stop()
  if (dir) await rm(dir, { recursive: true, force: true })
})

/** The rows of the runs table as [run name, parent run id or ''], in order. */
const runRows = () =>
  page.$$eval('table.runs tbody tr', (rows) =>
    rows.map((r) => [r.querySelector('td.name a')?.textContent ?? '', r.getAttribute('data-parent-id') ?? '']),
  )

describe('the registry UI in Chromium', () => {
  it('runs page: each sweep with its trials nested under it, filtered from the keyboard', async () => {
    await page.goto(`${base}/`)
    const rows = await runRows()
    // two sweeps (newest first), each followed by its own two trials: same trial names, different parents
    expect(rows.map(([name]) => name)).toEqual([
      'train-flight-delay',
      'trial-1-mlp',
      'trial-2-mlp',
      'train-flight-delay',
      'trial-1-mlp',
      'trial-2-mlp',
    ])
    expect(rows.map(([, parent]) => parent)).toEqual(['', demo.secondRunId, demo.secondRunId, '', demo.firstRunId, demo.firstRunId])
    expect(await page.locator('table.runs tbody tr').first().getAttribute('data-run-id')).toBe(demo.secondRunId)

    // keyboard only: focus the filter, type, press Enter
    await page.focus('input[name=filter]')
    await page.keyboard.type("params.hidden = '[16]'")
    await page.keyboard.press('Enter')
    await page.waitForURL(/filter=/)
    const filtered = await runRows()
    expect(filtered.map(([name]) => name)).toEqual(['train-flight-delay', 'trial-1-mlp', 'train-flight-delay', 'trial-1-mlp'])
    expect(await page.locator('tr.context').count()).toBe(2)
  })

  it('run page: per-epoch curves as charts and the artifacts with size, sha256 and a working download', async () => {
    await page.goto(`${base}/`)
    await page.locator(`tr[data-run-id="${demo.secondRunId}"] td.name a`).click()
    await page.waitForURL(`${base}/runs/${demo.secondRunId}`)
    const charts = await page.$$eval('figure.chart', (figures) =>
      figures.map((f) => ({ metric: f.getAttribute('data-metric'), points: f.querySelectorAll('circle').length })),
    )
    // the best trial's epochs, logged on the sweep run: one chart per series, one point per epoch
    expect(charts.map((c) => c.metric).sort()).toEqual(['train_loss', 'val_auc_epoch', 'val_loss'])
    for (const c of charts) expect(c.points).toBeGreaterThan(1)
    expect(await page.locator('svg[role=img]').first().isVisible()).toBe(true)

    const artifacts = await page.$$eval('table.artifacts tbody tr', (rows) =>
      rows.map((r) => ({
        file: r.querySelector('a')?.textContent,
        href: r.querySelector('a')?.getAttribute('href'),
        bytes: Number(r.querySelector('[data-bytes]')?.getAttribute('data-bytes')),
        sha256: r.querySelector('code')?.textContent,
      })),
    )
    expect(artifacts.map((a) => a.file)).toEqual(['model.onnx', 'model.int8.onnx', 'encoder.bin', 'manifest.json'])
    for (const a of artifacts) {
      const response = await page.request.get(`${base}${a.href}`)
      expect(response.status()).toBe(200)
      const body = await response.body()
      expect(body.byteLength).toBe(a.bytes)
      expect(createHash('sha256').update(body).digest('hex')).toBe(a.sha256)
    }
    // the encoder's per-origin shards, folded under the version: each downloads as the manifest names it
    const shards = await page.$$eval('details.shards a', (links) =>
      links.map((l) => ({ file: l.textContent ?? '', href: l.getAttribute('href') ?? '', sha256: l.getAttribute('data-sha256') })),
    )
    expect(shards.length).toBeGreaterThan(0)
    for (const shard of shards) expect(shard.file).toMatch(/^encoder\.[A-Z0-9]+\.bin$/)
    for (const shard of shards.slice(0, 3)) {
      const response = await page.request.get(`${base}${shard.href}`)
      expect(response.status()).toBe(200)
      expect(
        createHash('sha256')
          .update(await response.body())
          .digest('hex'),
      ).toBe(shard.sha256)
    }
    const unknown = await page.request.get(`${base}${shards[0].href.replace(shards[0].file, 'encoder.ZZZZ.bin')}`)
    expect(unknown.status()).toBe(404)
    expect(await unknown.json()).toMatchObject({ error: { code: 'not_found', message: expect.stringContaining('encoder.ZZZZ.bin') } })
    expect(await page.textContent('section[aria-labelledby=lineage]')).toContain(`${DEMO_MODEL} version 2`)
  })

  it('compare: ticking two trials shows the param that differs and overlays their curves', async () => {
    await page.goto(`${base}/runs/${demo.secondRunId}`)
    await page.getByRole('button', { name: 'Compare selected trials' }).click()
    await page.waitForURL(/\/compare\?run=/)
    expect(await page.locator('tr.differs').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-param')))).toEqual(['hidden'])
    expect(await page.locator('tr.differs[data-param=hidden] td').allTextContents()).toEqual(['[16]', '[32,16]'])
    expect(await page.locator('figure.chart[data-metric=val_loss] g.series').count()).toBe(2)
    expect(await page.locator('table.metrics tr[data-metric=val_auc] td').count()).toBe(2)
  })

  it('models page: the alias history shows the rollback with its actor and reason, and links to run and monitoring', async () => {
    await page.goto(`${base}/models`)
    await page.getByRole('link', { name: DEMO_MODEL }).click()
    const latest = page.locator('ol.timeline li').first()
    expect(await latest.getAttribute('data-action')).toBe('rollback')
    expect(await latest.locator('.actor').textContent()).toBe('bob')
    expect(await latest.locator('.reason').textContent()).toBe(ROLLBACK_REASON)
    expect(await latest.textContent()).toContain('v2 → v1')
    expect(await page.locator('ol.timeline li').count()).toBe(3)
    const v2 = page.locator('tr#v2')
    expect(await v2.getByRole('link', { name: /^run / }).getAttribute('href')).toBe(`/runs/${demo.secondRunId}`)
    const monitor = new URL((await v2.getByRole('link', { name: 'monitoring v2' }).getAttribute('href'))!)
    expect(Object.fromEntries(monitor.searchParams)).toMatchObject({ model: DEMO_MODEL, version: '2' })
    expect(await page.locator('tr#v1 .badge').allTextContents()).toEqual(['champion'])
    expect(await page.locator('form[method=post]').count()).toBe(0)
  })

  it('scores at least 0.95 for accessibility in Lighthouse on every page', async () => {
    const pages = ['/', `/runs/${demo.secondRunId}`, `/compare?run=${demo.firstRunId}&run=${demo.secondRunId}`, `/models/${DEMO_MODEL}`]
    for (const p of pages) {
      const audit = await ui.accessibilityScore(`${base}${p}`)
      expect(audit.score, `${p}: ${audit.failing.join('; ')}`).toBeGreaterThanOrEqual(0.95)
      // the scores docs/experiments.md quotes
      process.stdout.write(`Lighthouse accessibility ${audit.score} on ${p.replace(/[0-9a-f-]{36}/g, '<id>')}\n`)
    }
  }, 240_000)
})
