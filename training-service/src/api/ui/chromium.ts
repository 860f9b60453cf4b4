import lighthouse from 'lighthouse'
import { type Browser, chromium } from 'playwright-core'
import { freePort } from '../../free-port.ts'

/** Debian's Chromium (playwright cannot download its own browser here). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

export type UiBrowser = { browser: Browser; close(): Promise<void>; accessibilityScore(url: string): Promise<AccessibilityAudit> }
export type AccessibilityAudit = { score: number; failing: string[] }

/**
 * Headless Chromium for the UI's tests and screenshots, with a DevTools port so Lighthouse audits pages
 * in the same browser (it opens a tab of its own per audit).
 */
export async function launchUiBrowser(): Promise<UiBrowser> {
  const port = await freePort()
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--remote-debugging-port=${port}`,
    ],
  })
  return {
    browser,
    close: () => browser.close(),
    async accessibilityScore(url) {
      const result = await lighthouse(url, { port, onlyCategories: ['accessibility'], logLevel: 'error', output: 'json' })
      if (!result) throw new Error(`Lighthouse returned nothing for ${url}`)
      const { lhr } = result
      if (lhr.runtimeError) throw new Error(`Lighthouse could not audit ${url}: ${lhr.runtimeError.message}`)
      const category = lhr.categories.accessibility
      const failing = category.auditRefs
        .map((ref) => lhr.audits[ref.id])
        .filter((audit) => audit.score !== null && audit.score < 1 && audit.scoreDisplayMode === 'binary')
        .map((audit) => `${audit.id}: ${audit.title}`)
      return { score: category.score ?? 0, failing }
    },
  }
}
