import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type BrowserContext, chromium } from 'playwright-core'

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

const BASE_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-gpu',
]

export interface Session {
  context: BrowserContext
  close(): Promise<void>
}

/**
 * Chromium with a fresh profile of its own, so the service worker and Cache Storage survive reloads
 * within the session and nothing leaks between sessions. WebGPU in headless Chromium needs
 * --enable-unsafe-webgpu (SwiftShader); without it the page has no adapter and runs on wasm.
 */
export async function launchChromium(opts: { webgpu: boolean }): Promise<Session> {
  const profile = await mkdtemp(join(tmpdir(), 'tarmac-chromium-'))
  const args = opts.webgpu ? [...BASE_ARGS, '--enable-unsafe-webgpu'] : BASE_ARGS
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args,
    viewport: { width: 1100, height: 900 },
  })
  return {
    context,
    async close() {
      await context.close()
      await rm(profile, { recursive: true, force: true })
    },
  }
}
