import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { startApiServer } from '../../src/api/serve.ts'
import { launchUiBrowser } from '../../src/api/ui/chromium.ts'
import { openHome } from '../../src/home.ts'
import { REPO_ROOT } from '../../src/local/tarmac-process.ts'
import { buildDemoHome } from './demo-home.ts'

// `npm run docs:screenshots`: builds the demo home with the real CLI (two small training runs), serves it and
// saves a PNG of each page into docs/, so docs/experiments.md shows what a user sees.

const dir = await mkdtemp(path.join(tmpdir(), 'tarmac-screenshots-'))
const log = (line: string) => process.stderr.write(`${line}\n`)
try {
  const demo = await buildDemoHome(dir, log)
  const home = await openHome(demo.home)
  const server = await startApiServer({
    port: 0,
    db: home.db,
    adminKey: 'screenshots-admin-key-not-used',
    artifactStore: home.store,
    monitorUrl: 'http://127.0.0.1:5173/monitor.html',
  })
  const ui = await launchUiBrowser()
  try {
    const page = await ui.browser.newPage({ viewport: { width: 1440, height: 900 } })
    await page.goto(`${server.url}/runs/${demo.secondRunId}`)
    const trials = await page.$$eval('input[name=run]', (boxes) => boxes.map((b) => b.getAttribute('value') ?? ''))
    const shots = {
      'ui-runs.png': '/',
      'ui-run.png': `/runs/${demo.secondRunId}`,
      'ui-compare.png': `/compare?${trials.map((t) => `run=${t}`).join('&')}`,
      'ui-models.png': `/models/${demo.model}`,
    }
    for (const [file, url] of Object.entries(shots)) {
      await page.goto(`${server.url}${url}`)
      const out = path.join(REPO_ROOT, 'docs', file)
      await page.screenshot({ path: out, fullPage: true })
      log(`wrote ${path.relative(REPO_ROOT, out)} (${url})`)
    }
  } finally {
    await ui.close()
    await server.close()
    await home.close()
  }
} finally {
  await rm(dir, { recursive: true, force: true })
}
