import { type CachedEntries, deviceBlobShas, type ModelLocation, modelUrls, readCachedEntries, savedBlobShas } from './model-cache.ts'

/**
 * A page's entry starts its model's first requests before the app code (zod, the engines, the encoder) is fetched
 * and evaluated, which on a cold visit takes longer than the requests: the Cache Storage lookup of the cached model
 * and, over the network, the alias's manifest and then the blobs it names. `createPredictor({ early })` takes
 * both over and validates everything as if it had asked itself.
 */
export interface EarlyLoad {
  /** the manifest URL these requests are for: the predictor refuses an early load of another model */
  manifestUrl: string
  /** the cached model's entries as stored (null: nothing cached) */
  cached: Promise<CachedEntries | null>
  /** a GET already started here answers the same URL's first request; every other call is a plain fetch */
  fetch: typeof fetch
}

/** This module imports no schema: a page imports it alone, ahead of its app (see web-client's main.ts). */
export function startEarlyLoad(location: ModelLocation & { apiKey?: string }): EarlyLoad {
  performance.mark('tarmac:early')
  const urls = modelUrls(location)
  // the headers and cache mode of the Worker client's own manifest and blob requests
  const init: RequestInit = { cache: 'no-store', headers: location.apiKey ? { Authorization: `Bearer ${location.apiKey}` } : {} }
  const started = new Map<string, Promise<Response>>()
  const start = (url: string) => {
    const response = fetch(url, init)
    // a failed early request is retried by the client that asks for it: it is nobody's error here
    response.catch(() => {})
    started.set(url, response)
    return response
  }
  // the request first: the first Cache Storage call of a page is the slower of the two to set out
  const manifest = start(urls.manifest)
  const saved = savedBlobShas(urls)
  const cached = readCachedEntries(urls, saved).catch(() => null)
  // a first visit (nothing noted as saved) downloads the blobs as soon as the manifest names them; otherwise they
  // download only when the cache turns out not to hold them
  const unlessCached = saved === null ? Promise.resolve(null) : cached
  const blobsStarted = Promise.all([unlessCached, manifest])
    .then(async ([hit, response]) => {
      if (hit || !response.ok) return
      for (const sha of deviceBlobShas(await response.clone().json())) start(urls.blob(sha))
    })
    .catch(() => {})
  return {
    manifestUrl: urls.manifest,
    cached,
    async fetch(input, requestInit) {
      const url = input instanceof Request ? input.url : String(input)
      const method = requestInit?.method ?? (input instanceof Request ? input.method : 'GET')
      // a blob request waits until the manifest had its chance to start it
      if (url !== urls.manifest) await blobsStarted
      const response = method === 'GET' ? started.get(url) : undefined
      if (!response) return fetch(input, requestInit)
      started.delete(url)
      return response
    },
  }
}
