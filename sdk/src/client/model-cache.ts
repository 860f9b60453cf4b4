/**
 * Where an alias's model lives in Cache Storage and on the network, and the raw read of what is cached. Both
 * readers of the cache — the page's entry before its app code is evaluated (early.ts) and the model store after —
 * take their keys from here. Nothing here validates and nothing imports zod: model-store parses the manifest
 * and checks every blob's size and sha256 before a byte of it is used.
 */

export interface ModelLocation {
  /** serves GET /v1/models/{name}/manifest and GET /v1/blobs/{sha256}: the Worker, or a mirror */
  endpoint: string
  model: string
  alias: string
}

export interface ModelUrls {
  /** one cache per model and alias */
  cacheName: string
  manifest: string
  blob(sha256: string): string
}

export function modelUrls({ endpoint, model, alias }: ModelLocation): ModelUrls {
  const base = endpoint.replace(/\/+$/, '')
  // hrefs as `new URL` writes them: the early fetch and the Worker client's compare equal for the same request
  const href = (path: string) => new URL(base + path).href
  return {
    cacheName: `tarmac-model:${model}:${alias}`,
    manifest: href(`/v1/models/${encodeURIComponent(model)}/manifest?alias=${encodeURIComponent(alias)}`),
    blob: (sha256) => href(`/v1/blobs/${sha256}`),
  }
}

/** A cached model as stored: the manifest's JSON, and the bytes of the blobs it names for the device, by sha256. */
export interface CachedEntries {
  manifest: unknown
  blobs: Map<string, Uint8Array>
}

/**
 * The sha256 of the int8 graph and of the encoder tables a manifest names, read without its schema: a guess that
 * only chooses what to read or download early. The caller's schema decides whether it was a manifest at all.
 */
export function deviceBlobShas(manifest: unknown): string[] {
  const files = (manifest as { files?: Record<string, { sha256?: unknown } | undefined> } | null)?.files
  return [files?.int8?.sha256, files?.encoder?.sha256].filter((sha): sha is string => typeof sha === 'string')
}

/**
 * The device blobs saved with the cached manifest, noted in localStorage beside Cache Storage: read at once (the
 * first Cache Storage call of a page takes longer than a manifest request), it tells a page whether a cached model
 * is worth waiting for, and which blobs to read beside the manifest. null: nothing saved here; undefined: no
 * localStorage (a worker, storage blocked), so nobody knows. Only a hint: what Cache Storage holds decides.
 */
export function savedBlobShas(urls: ModelUrls): string[] | null | undefined {
  try {
    const saved = globalThis.localStorage?.getItem(urls.cacheName)
    if (saved === undefined) return undefined
    const shas: unknown = saved === null ? null : JSON.parse(saved)
    return Array.isArray(shas) && shas.every((sha) => typeof sha === 'string') ? shas : null
  } catch {
    return undefined
  }
}

/** Notes the blobs just saved with a manifest (see savedBlobShas); a page that cannot write just loses the hint. */
export function noteSavedBlobs(urls: ModelUrls, shas: readonly string[]): void {
  try {
    globalThis.localStorage?.setItem(urls.cacheName, JSON.stringify(shas))
  } catch {
    // storage full or blocked: the next visit waits for Cache Storage, as if nothing were noted
  }
}

/**
 * The cached manifest and its device blobs as stored; null when nothing is cached (or there is no Cache Storage).
 * With the blobs noted at save time, they are read beside the manifest instead of after it.
 */
export async function readCachedEntries(urls: ModelUrls, saved?: readonly string[] | null): Promise<CachedEntries | null> {
  if (!globalThis.caches) return null
  const cache = await caches.open(urls.cacheName)
  const read = async (sha: string) => {
    const blob = await cache.match(urls.blob(sha))
    return blob ? ([sha, new Uint8Array(await blob.arrayBuffer())] as const) : null
  }
  const readAll = async (shas: readonly string[]) => new Map((await Promise.all(shas.map(read))).filter((entry) => entry !== null))
  const [hit, early] = await Promise.all([cache.match(urls.manifest), saved ? readAll(saved) : null])
  if (!hit) return null
  const manifest: unknown = await hit.json().catch(() => null)
  const shas = deviceBlobShas(manifest)
  const blobs = early && shas.every((sha) => early.has(sha)) ? early : await readAll(shas)
  return { manifest, blobs }
}
