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

/** localStorage holding these entries */
function storage(entries: Record<string, string>) {
  vi.stubGlobal('localStorage', { getItem: (key: string) => entries[key] ?? null, setItem: vi.fn() })
}

/** A promise and the call that resolves it. */
function gate() {
  let open!: () => void
  const opened = new Promise<void>((resolve) => {
    open = resolve
  })
  return { opened, open }
}

/**
 * Cache Storage holding `entries` (URL → body) that opens only when `open` is called, and answers the lookup of the
 * manifest only when `answerManifest` is; the lookups are recorded.
 */
function slowCaches(entries: Record<string, BodyInit>) {
  const matched: string[] = []
  const [opening, manifest] = [gate(), gate()]
  const cache = {
    async match(url: string) {
      matched.push(url)
      if (url.includes('/manifest')) await manifest.opened
      return url in entries ? new Response(entries[url]) : undefined
    },
  }
  vi.stubGlobal('caches', { open: () => opening.opened.then(() => cache) })
  return { matched, open: opening.open, answerManifest: manifest.open }
}

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

  it('on a first visit (no model noted as saved) downloads the blobs without waiting for Cache Storage', async () => {
    const asked = network()
    storage({})
    const cache = slowCaches({})
    const early = startEarlyLoad(location)
    // the cache lookup has not answered: the blobs went out once the manifest named them
    await early.fetch(`http://127.0.0.1:8787/v1/blobs/${'a'.repeat(64)}`)
    expect(asked.map((a) => a.url.replace(/^.*\//, ''))).toEqual(['manifest?alias=champion', 'a'.repeat(64), 'b'.repeat(64)])
    cache.open()
    cache.answerManifest()
    expect(await early.cached).toBeNull()
  })

  it('with a model noted as saved, waits for the cache, and reads its blobs beside the manifest', async () => {
    const asked = network()
    const shas = ['a'.repeat(64), 'b'.repeat(64)]
    storage({ 'tarmac-model:flight-delay:champion': JSON.stringify(shas) })
    const blob = (sha: string) => `http://127.0.0.1:8787/v1/blobs/${sha}`
    const cache = slowCaches({
      'http://127.0.0.1:8787/v1/models/flight-delay/manifest?alias=champion': JSON.stringify(manifest),
      [blob(shas[0])]: new Uint8Array([1]),
      [blob(shas[1])]: new Uint8Array([2, 3]),
    })
    const early = startEarlyLoad(location)
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(asked).toHaveLength(1)
    cache.open()
    await new Promise((resolve) => setTimeout(resolve, 20))
    // the blobs are looked up while the manifest's lookup is still out, not after it
    expect(cache.matched.map((url) => url.replace(/^.*\//, ''))).toEqual(['manifest?alias=champion', ...shas])
    cache.answerManifest()
    const cached = await early.cached
    expect(cached?.manifest).toEqual(manifest)
    expect([...(cached?.blobs.entries() ?? [])]).toEqual([
      [shas[0], new Uint8Array([1])],
      [shas[1], new Uint8Array([2, 3])],
    ])
    // found in the cache: no blob downloads
    await early.fetch(early.manifestUrl)
    expect(asked).toHaveLength(1)
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
