import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { preview } from 'vite'
import type { TestProject } from 'vitest/node'
import { makeModel, publish } from './support/fixture-model.ts'
import { startModelMirror } from './support/model-mirror.ts'
import { freePort } from './support/ports.ts'
import { applyMigrations, sha256, startWorker } from './support/worker.ts'

export interface Harness {
  /** the built web client, configured by query string for this run's Worker and model mirror */
  appUrl: string
  appOrigin: string
  workerUrl: string
  mirrorUrl: string
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
 * them), D1 migrations, the model mirror, fixture model v1 published to both, vite build + vite preview.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = await mkdtemp(join(tmpdir(), 'tarmac-web-client-'))
  const persistTo = join(dir, 'wrangler-state')
  const ports = { worker: await freePort(), inspector: await freePort(), mirror: await freePort(), app: await freePort() }
  const appOrigin = `http://127.0.0.1:${ports.app}`

  const startingWorker = applyMigrations(persistTo).then(() =>
    startWorker({
      port: ports.worker,
      inspectorPort: ports.inspector,
      persistTo,
      vars: {
        ADMIN_KEY_SHA256: sha256(ADMIN_KEY),
        PREDICT_KEYS_SHA256: '',
        CORS_ORIGINS: appOrigin,
        // a publish is visible to the next request
        MODEL_CACHE_TTL_SECONDS: '0',
        CANARY_MODE: 'off',
      },
    }),
  )
  const [worker, mirror] = await Promise.all([startingWorker, startModelMirror(ports.mirror, ADMIN_KEY), productionBuild()])
  const server = await preview({ configFile, logLevel: 'warn', preview: { host: '127.0.0.1', port: ports.app, strictPort: true } })

  const v1 = await makeModel(1)
  await Promise.all([publish(worker.url, ADMIN_KEY, v1), publish(mirror.url, ADMIN_KEY, v1)])

  const query = new URLSearchParams({ endpoint: worker.url, models: mirror.url, sample: '1' })
  project.provide('harness', {
    appUrl: `${appOrigin}/?${query}`,
    appOrigin,
    workerUrl: worker.url,
    mirrorUrl: mirror.url,
    adminKey: ADMIN_KEY,
    persistTo,
  })

  return async () => {
    await new Promise<void>((resolve) => server.httpServer.close(() => resolve()))
    await Promise.all([worker.stop(), mirror.close()])
    await rm(dir, { recursive: true, force: true })
  }
}
