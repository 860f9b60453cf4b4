import { z } from 'zod'
import { sha256Hex } from '../manifest/hash.ts'
import { type ArtifactFile, type ModelManifest, manifestFiles, manifestSchema } from '../manifest/index.ts'
import { type CachedEntries, modelUrls, noteSavedBlobs, readCachedEntries, savedBlobShas } from './model-cache.ts'
import type { WorkerClient } from './worker.ts'

/**
 * Where the full manifest (GET /v1/models/{name}/manifest?alias=) and the content-addressed model files
 * (GET /v1/blobs/{sha256}) come from: the edge Worker, or a mirror/CDN serving the same routes.
 */
export interface ModelSource {
  worker: WorkerClient
  model: string
  alias: string
  /** a lookup of the cached entries already under way (an early load): the first cached() reads it */
  cached?: Promise<CachedEntries | null>
}

export interface CachedModel {
  manifest: ModelManifest
  /** the int8 graph */
  bytes: Uint8Array
  /** the encoder's global cell tables (files.encoder); the shards are fetched with blob() when needed */
  tables: Uint8Array
}

/** The blobs an on-device predictor needs of a version: the int8 graph and the encoder tables. */
const deviceFiles = (m: ModelManifest): ArtifactFile[] => [m.files.int8, m.files.encoder]

const BLOB_HEADERS = { 'Content-Type': 'application/octet-stream' }

export class ModelIntegrityError extends Error {
  override name = 'ModelIntegrityError'
}

/**
 * The model an alias points at, kept in Cache Storage (one cache per model and alias): its blobs under their
 * sha256, next to the manifest they belong to. Saving a new version deletes the previous blobs.
 */
export interface ModelStore {
  /** the URL the manifest comes from, and its Cache Storage key */
  readonly manifestUrl: string
  /** no model noted as saved in this browser (savedBlobShas): a first visit, which need not wait for Cache Storage */
  readonly nothingSaved: boolean
  cached(): Promise<CachedModel | null>
  latest(): Promise<ModelManifest>
  download(file: ArtifactFile): Promise<Uint8Array>
  /** a blob from Cache Storage, else downloaded and kept there (an encoder shard, fetched when first needed) */
  blob(file: ArtifactFile): Promise<Uint8Array>
  save(model: CachedModel): Promise<void>
  /** deletes every cached blob that is not one of this manifest's (a download of a replaced version finishing late) */
  prune(manifest: ModelManifest): Promise<void>
}

export function createModelStore(source: ModelSource): ModelStore {
  // Cache Storage keys: the URLs the files come from
  const urls = modelUrls({ endpoint: source.worker.endpoint, model: source.model, alias: source.alias })
  const open = () => (globalThis.caches ? caches.open(urls.cacheName) : Promise.resolve(null))
  let early = source.cached

  const download = async (file: ArtifactFile): Promise<Uint8Array> => {
    const bytes = await source.worker.blob(file.sha256)
    if (!(await matches(bytes, file))) throw new ModelIntegrityError(`model blob ${file.sha256} failed its size or sha256 check`)
    return bytes
  }

  return {
    manifestUrl: urls.manifest,
    nothingSaved: savedBlobShas(urls) === null,

    async cached() {
      const entries = await (early ?? readCachedEntries(urls, savedBlobShas(urls)))
      early = undefined
      if (!entries) return null
      const parsed = manifestSchema.safeParse(entries.manifest)
      if (!parsed.success) return null
      const blobs = await Promise.all(
        deviceFiles(parsed.data).map(async (file) => {
          const bytes = entries.blobs.get(file.sha256)
          return bytes && (await matches(bytes, file)) ? bytes : null
        }),
      )
      // a damaged cache entry is not an error: the caller downloads again
      if (!blobs[0] || !blobs[1]) return null
      // the note follows what the cache holds, also after site storage was cleared apart from Cache Storage
      noteSavedBlobs(
        urls,
        deviceFiles(parsed.data).map((file) => file.sha256),
      )
      return { manifest: parsed.data, bytes: blobs[0], tables: blobs[1] }
    },

    async latest() {
      try {
        return await source.worker.manifest(source.model, source.alias)
      } catch (error) {
        if (error instanceof z.ZodError)
          throw new ModelIntegrityError(`manifest of ${source.model}@${source.alias} is malformed: ${error.message}`)
        throw error
      }
    },

    download,

    async blob(file) {
      const cache = await open()
      const hit = await cache?.match(urls.blob(file.sha256))
      const cached = hit && new Uint8Array(await hit.arrayBuffer())
      if (cached && (await matches(cached, file))) return cached
      const bytes = await download(file)
      await cache?.put(urls.blob(file.sha256), new Response(bytes as Uint8Array<ArrayBuffer>, { headers: BLOB_HEADERS }))
      return bytes
    },

    async save({ manifest, bytes, tables }) {
      const cache = await open()
      if (!cache) return
      const [model, encoder] = deviceFiles(manifest)
      await cache.put(urls.blob(model.sha256), new Response(bytes as Uint8Array<ArrayBuffer>, { headers: BLOB_HEADERS }))
      await cache.put(urls.blob(encoder.sha256), new Response(tables as Uint8Array<ArrayBuffer>, { headers: BLOB_HEADERS }))
      // the manifest last: it only ever points at blobs that are stored
      await cache.put(urls.manifest, Response.json(manifest))
      noteSavedBlobs(urls, [model.sha256, encoder.sha256])
      await prune(cache, manifest)
    },

    async prune(manifest) {
      const cache = await open()
      if (cache) await prune(cache, manifest)
    },
  }

  /** the shards of this version already fetched stay; every blob of another version goes */
  async function prune(cache: Cache, manifest: ModelManifest): Promise<void> {
    const keep = new Set([...manifestFiles(manifest).map(([, f]) => urls.blob(f.sha256)), urls.manifest])
    for (const request of await cache.keys()) if (!keep.has(request.url)) await cache.delete(request)
  }
}

async function matches(bytes: Uint8Array, file: ArtifactFile): Promise<boolean> {
  return bytes.length === file.size && (await sha256Hex(bytes)) === file.sha256
}
