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

/** The cached manifest and its device blobs as stored; null when nothing is cached (or there is no Cache Storage). */
export async function readCachedEntries(urls: ModelUrls): Promise<CachedEntries | null> {
  if (!globalThis.caches) return null
  const cache = await caches.open(urls.cacheName)
  const hit = await cache.match(urls.manifest)
  if (!hit) return null
  const manifest: unknown = await hit.json().catch(() => null)
  const blobs = new Map<string, Uint8Array>()
  await Promise.all(
    deviceBlobShas(manifest).map(async (sha) => {
      const blob = await cache.match(urls.blob(sha))
      if (blob) blobs.set(sha, new Uint8Array(await blob.arrayBuffer()))
    }),
  )
  return { manifest, blobs }
}
