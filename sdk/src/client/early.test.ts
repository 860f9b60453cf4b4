import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { startEarlyLoad } from './early.ts'

const location = { endpoint: 'http://127.0.0.1:8787/', model: 'flight-delay', alias: 'champion', apiKey: 'k' }
const manifest = { files: { int8: { sha256: 'a'.repeat(64) }, encoder: { sha256: 'b'.repeat(64) } } }

/** A fetch that answers the manifest and any blob, and records what it was asked. */
function network() {
  const asked: { url: string; init?: RequestInit }[] = []
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input)
    asked.push({ url, init })
    return url.includes('/manifest') ? Response.json(manifest) : new Response(new Uint8Array([1, 2, 3]))
  })
  vi.stubGlobal('fetch', fetch)
  return asked
}

afterEach(() => vi.unstubAllGlobals())

describe('startEarlyLoad', () => {
  it('starts the manifest, then the blobs it names, and hands each response over once', async () => {
    const asked = network()
    const early = startEarlyLoad(location)
    expect(early.manifestUrl).toBe('http://127.0.0.1:8787/v1/models/flight-delay/manifest?alias=champion')
    expect(asked.map((a) => a.url)).toEqual([early.manifestUrl])
    expect(asked[0].init).toMatchObject({ cache: 'no-store', headers: { Authorization: 'Bearer k' } })
    expect(await early.cached).toBeNull()

    const first = await early.fetch(new URL(early.manifestUrl))
    expect(await first.json()).toEqual(manifest)
    const blob = `http://127.0.0.1:8787/v1/blobs/${'a'.repeat(64)}`
    await early.fetch(blob)
    // started early: the client's requests went to nobody new
    expect(asked.map((a) => a.url)).toEqual([early.manifestUrl, blob, blob.replace('a'.repeat(64), 'b'.repeat(64))])
    // a second request for the same URL is the client's own
    await early.fetch(early.manifestUrl)
    expect(asked).toHaveLength(4)
  })

  it('imports no schema library: a page loads it ahead of its app', () => {
    const seen = new Set<string>()
    const visit = (file: string) => {
      if (seen.has(file)) return
      seen.add(file)
      for (const [, spec] of readFileSync(file, 'utf8').matchAll(/from '([^']+)'/g)) {
        expect(spec.startsWith('.'), `${path.basename(file)} imports ${spec}`).toBe(true)
        visit(path.resolve(path.dirname(file), spec))
      }
    }
    visit(fileURLToPath(new URL('./early.ts', import.meta.url)))
    expect([...seen].map((f) => path.basename(f)).sort()).toEqual(['early.ts', 'model-cache.ts'])
  })
})
