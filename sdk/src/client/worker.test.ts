/// <reference types="node" />
import { readdirSync, readFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createWorkerClient, WorkerError, WorkerUnreachableError } from './worker.ts'

const root = path.resolve(import.meta.dirname, '../../..')
const closers: (() => void)[] = []
afterEach(() => {
  for (const close of closers.splice(0)) close()
})

/** A real HTTP server on 127.0.0.1 answering with `handler`; returns its URL and the times requests arrived. */
async function serve(handler: (req: IncomingMessage, res: ServerResponse, n: number) => void) {
  const arrivals: number[] = []
  const server = createServer((req, res) => {
    arrivals.push(Date.now())
    handler(req, res, arrivals.length)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  closers.push(() => server.close())
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, arrivals }
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers })
  res.end(JSON.stringify(body))
}
const predictBody = {
  model: { name: 'm', version: 3, alias: 'champion' },
  engine: 'ts',
  predictions: [{ id: 'p', probability: 0.2, delayed: false }],
}
const instance = { origin: 'JFK', destination: 'LAX', departedAt: '2001-04-02T07:15:00', distance: 2475 }

describe('the Worker client', () => {
  it('waits out a 429 for its Retry-After, then retries', async () => {
    const { url, arrivals } = await serve((_req, res, n) =>
      n === 1
        ? json(res, 429, { error: { code: 'rate_limited', message: 'slow down' } }, { 'Retry-After': '1' })
        : json(res, 200, predictBody),
    )
    const answer = await createWorkerClient({ endpoint: url, backoffMs: () => 1 }).predict('m', [instance])
    expect(answer.model.version).toBe(3)
    expect(arrivals).toHaveLength(2)
    expect(arrivals[1] - arrivals[0]).toBeGreaterThanOrEqual(990)
  })

  it('fails at once when Retry-After is longer than it may wait, with the code and status', async () => {
    const { url, arrivals } = await serve((_req, res) =>
      json(res, 429, { error: { code: 'rate_limited', message: 'slow down' } }, { 'Retry-After': '60' }),
    )
    const error = await createWorkerClient({ endpoint: url, maxRetryAfterMs: 5_000 })
      .predict('m', [instance])
      .catch((e) => e)
    expect(error).toBeInstanceOf(WorkerError)
    expect(error).toMatchObject({ status: 429, code: 'rate_limited', retryAfterMs: 60_000 })
    expect(arrivals).toHaveLength(1)
  })

  it('never retries a client error, and names the field', async () => {
    const { url, arrivals } = await serve((_req, res) =>
      json(res, 400, { error: { code: 'invalid_request', message: 'must be > 0', field: 'instances.0.distance' } }),
    )
    const client = createWorkerClient({ endpoint: url })
    const error = await client.predict('m', [instance]).catch((e) => e)
    expect(error).toMatchObject({ status: 400, code: 'invalid_request', field: 'instances.0.distance' })
    expect(error.message).toBe(`POST ${url}/v1/models/m/predict: 400 instances.0.distance: must be > 0`)
    expect(arrivals).toHaveLength(1)
  })

  it('sends the admin key, when given, as the one Bearer on every route, else the predict key on public routes', async () => {
    const seen: Record<string, string | undefined>[] = []
    const { url } = await serve((req, res) => {
      seen.push({ path: req.url, authorization: req.headers.authorization })
      if (req.url?.startsWith('/admin'))
        json(res, 200, {
          from: '2001-01-01T00:00:00.000Z',
          to: '2001-01-01T01:00:00.000Z',
          evaluations: [],
          skipped: [],
          changes: [],
          redelivered: [],
        })
      else json(res, 200, predictBody)
    })
    const admin = createWorkerClient({ endpoint: url, apiKey: 'api', adminKey: 'admin' })
    await admin.predict('m', [instance])
    await admin.admin.runMonitoring({ from: 0, to: 3_600_000 })
    const caller = createWorkerClient({ endpoint: url, apiKey: 'api' })
    await caller.predict('m', [instance])
    await caller.admin.runMonitoring({ from: 0, to: 3_600_000 })
    expect(seen).toEqual([
      { path: '/v1/models/m/predict', authorization: 'Bearer admin' },
      { path: '/admin/monitoring/run', authorization: 'Bearer admin' },
      { path: '/v1/models/m/predict', authorization: 'Bearer api' },
      { path: '/admin/monitoring/run', authorization: undefined },
    ])
  })

  it('reports a Worker that cannot be reached after its tries', async () => {
    const { url } = await serve((_req, res) => json(res, 200, {}))
    for (const close of closers.splice(0)) close()
    const error = await createWorkerClient({ endpoint: url, attempts: 2, backoffMs: () => 1 })
      .modelStatus('m')
      .catch((e) => e)
    expect(error).toBeInstanceOf(WorkerUnreachableError)
    expect(error.message).toMatch(/\(gave up after 2 attempts\)$/)
  })
})

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name)
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : sources(full)
    return /\.tsx?$/.test(e.name) && !/\.test\.tsx?$/.test(e.name) ? [full] : []
  })
}

describe('one client', () => {
  it('is the only module that calls fetch() outside the Worker itself', () => {
    // early.ts: a page's first requests, started before the client (and its schemas) is loaded; the client takes
    // them over through its `fetch` option, so every answer is still read and checked by it
    const allowed = ['sdk/src/client/worker.ts', 'sdk/src/client/early.ts'].map((file) => path.join(root, file))
    const callers = ['sdk/src', 'training-service/src', 'web-client/src']
      .flatMap((dir) => sources(path.join(root, dir)))
      .filter((file) => !allowed.includes(file) && /(?<![\w.])fetch\(/.test(readFileSync(file, 'utf8')))
      .map((file) => path.relative(root, file))
    expect(callers).toEqual([])
  })
})
