import { afterEach, describe, expect, it } from 'vitest'
import { openDatabase } from '../db/open.ts'
import { GOOD_METRICS, seedVersion } from '../registry/testing.ts'
import { LocalArtifactStore } from '../tracking/artifact-store.ts'
import { type ApiServer, startApiServer } from './serve.ts'

const servers: ApiServer[] = []
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close()
})

describe('startApiServer', () => {
  it('serves the API over HTTP on 127.0.0.1', async () => {
    const db = await openDatabase(':memory:')
    await seedVersion(db, 'delay', GOOD_METRICS)
    const adminKey = 'http-admin-key-0123456789'
    const server = await startApiServer({ port: 0, db, adminKey, artifactStore: new LocalArtifactStore('/nonexistent') })
    servers.push(server)
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)

    expect(await (await fetch(`${server.url}/health`)).json()).toEqual({ ok: true })
    const promote = await fetch(`${server.url}/api/v1/models/delay/aliases/champion`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ version: 1, reason: 'first release' }),
    })
    expect(promote.status).toBe(200)
    const model = (await (await fetch(`${server.url}/api/v1/models/delay`)).json()) as { aliases: Record<string, number> }
    expect(model.aliases).toEqual({ champion: 1 })
  })
})
