import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { preview } from 'vite'
import type { TestProject } from 'vitest/node'
import { makeModel, publish } from './support/fixture-model.ts'
import { freePort } from './support/ports.ts'
import { startLocalWorker } from './support/worker.ts'

export interface Harness {
  /** the built web client, configured by query string for this run's Worker */
  appUrl: string
  appOrigin: string
  workerUrl: string
  adminKey: string
  /** wrangler's local state: D1 is queried from here */
  persistTo: string
}

declare module 'vitest' {
  export interface ProvidedContext {
    harness: Harness
  }
}

const configFile = fileURLToPath(new URL('../vite.config.ts', import.meta.url))
const VITE = fileURLToPath(new URL('../../node_modules/vite/bin/vite.js', import.meta.url))
const ADMIN_KEY = 'web-client-test-admin-key'
const run = promisify(execFile)

/** In a child process: inside vitest (NODE_ENV=test, its import.meta.env) Vite builds a non-production bundle. */
async function productionBuild(): Promise<void> {
  const { NODE_ENV: _, ...env } = process.env
  await run(process.execPath, [VITE, 'build', '--config', configFile, '--logLevel', 'warn'], { env })
}

/**
 * wrangler dev (own port, inspector port and --persist-to; secrets as --var, so no .dev.vars is read for
 * them), D1 migrations, fixture model v1 published, vite build + vite preview.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = await mkdtemp(join(tmpdir(), 'tarmac-web-client-'))
  const persistTo = join(dir, 'wrangler-state')
  const appPort = await freePort()
  const appOrigin = `http://127.0.0.1:${appPort}`
  const [worker] = await Promise.all([startLocalWorker({ persistTo, origin: appOrigin, adminKey: ADMIN_KEY }), productionBuild()])
  const server = await preview({ configFile, logLevel: 'warn', preview: { host: '127.0.0.1', port: appPort, strictPort: true } })

  await publish(worker.url, ADMIN_KEY, await makeModel(1))

  // the Worker serves the predict fallback, the telemetry intake, the manifest and the model files
  const query = new URLSearchParams({ endpoint: worker.url, sample: '1' })
  project.provide('harness', {
    appUrl: `${appOrigin}/?${query}`,
    appOrigin,
    workerUrl: worker.url,
    adminKey: ADMIN_KEY,
    persistTo,
  })

  return async () => {
    await new Promise<void>((resolve) => server.httpServer.close(() => resolve()))
    await worker.stop()
    await rm(dir, { recursive: true, force: true })
  }
}
