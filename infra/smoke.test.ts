import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { smoke } from './smoke.ts'

interface Seen {
  path: string
  headers: Record<string, string | string[] | undefined>
}

let server: Server | undefined

/** A stand-in Worker on loopback: `answers` maps a path to [status, body]. */
async function worker(answers: Record<string, [number, unknown]>, seen: Seen[] = []): Promise<string> {
  const listening = createServer((req, res) => {
    seen.push({ path: req.url ?? '', headers: req.headers })
    const [status, body] = answers[req.url ?? ''] ?? [404, { error: { code: 'not_found' } }]
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
  })
  server = listening
  await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(listening.address() as AddressInfo).port}`
}

const healthy: Record<string, [number, unknown]> = {
  '/health': [200, { status: 'ok' }],
  '/v1/models/flight-delay': [200, { name: 'flight-delay', version: 3, aliases: { champion: 3, challenger: 4 } }],
  '/v1/models/flight-delay/predict': [
    200,
    {
      model: { name: 'flight-delay', version: 3, alias: 'champion' },
      engine: 'ts',
      predictions: [0.1, 0.5, 0.9].map((probability, i) => ({ id: `p${i}`, probability, delayed: probability > 0.5 })),
    },
  ],
}

afterEach(() => {
  server?.close()
})

describe('smoke test', () => {
  it('passes against a healthy Worker and pins the version it was asked to test', async () => {
    const seen: Seen[] = []
    const url = await worker(healthy, seen)
    expect(await smoke({ url, model: 'flight-delay', predictKey: 'k', versionId: 'v-1', worker: 'tarmac-edge-production' })).toEqual([])
    expect(seen.map((s) => s.path)).toEqual(['/health', '/v1/models/flight-delay', '/v1/models/flight-delay/predict'])
    expect(seen[2].headers.authorization).toBe('Bearer k')
    expect(seen[2].headers['cloudflare-workers-version-overrides']).toBe('tarmac-edge-production="v-1"')
  })

  it('checks health only when no model is named', async () => {
    expect(await smoke({ url: await worker({ '/health': [200, { status: 'ok' }] }), model: '' })).toEqual([])
  })

  it('fails when health never answers ok', async () => {
    const url = await worker({ '/health': [503, { status: 'down' }] })
    expect(await smoke({ url, model: 'flight-delay', attempts: 1 })).toEqual(['GET /health: 503 {"status":"down"} after 1 attempts'])
  })

  it('fails when predict answers with a version no alias serves, or bad probabilities', async () => {
    const url = await worker({
      ...healthy,
      '/v1/models/flight-delay/predict': [
        200,
        { model: { name: 'flight-delay', version: 2, alias: 'champion' }, predictions: [{ id: 'a', probability: 1.5 }] },
      ],
    })
    expect(await smoke({ url, model: 'flight-delay' })).toEqual([
      'predict answered with {"name":"flight-delay","version":2,"alias":"champion"}, not a serving alias of {"champion":3,"challenger":4}',
      'predict returned 1 predictions for 3 instances',
      'prediction 0: {"id":"a","probability":1.5} is not {id, probability in [0,1]}',
    ])
  })
})
