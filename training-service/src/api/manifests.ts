import { type ModelManifest, manifestSchema, shardArtifact } from '@tarmac/sdk/manifest'
import { TarmacError } from '../errors.ts'
import { manifestKey } from '../pipeline/register.ts'
import { type ArtifactStore, sha256Hex } from '../tracking/artifact-store.ts'

/** The files of a registered model version, as the manifest names them and as a user downloads them. */
export const MODEL_FILES = ['model.onnx', 'model.int8.onnx', 'encoder.bin', 'manifest.json'] as const
/** One encoder tables shard per origin airport, named as `tarmac export` writes it. */
export type ShardFileName = `encoder.${string}.bin`
export type ModelFileName = (typeof MODEL_FILES)[number] | ShardFileName
export const shardFileName = (origin: string): ShardFileName => `encoder.${origin}.bin`
/** A file name the download route accepts: one of MODEL_FILES or a shard's. */
export const MODEL_FILE_PATTERN = /^(model\.onnx|model\.int8\.onnx|encoder\.bin|manifest\.json|encoder\.[A-Z0-9]{2,5}\.bin)$/

export type ModelFile = { file: ModelFileName; key: string; sha256: string; size: number; origin?: string }

export type StoredManifest = { manifest: ModelManifest; files: ModelFile[] }

/** A version's manifest from the artifact store, or null when it is missing or not a valid manifest (e.g. registered by hand). */
export async function loadManifest(store: ArtifactStore, name: string, version: number): Promise<StoredManifest | null> {
  const key = manifestKey(name, version)
  const bytes = await store.get(key)
  if (bytes === null) return null
  let parsed: unknown
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes))
  } catch {
    return null
  }
  const result = manifestSchema.safeParse(parsed)
  if (!result.success) return null
  const manifest = result.data
  return {
    manifest,
    files: [
      { file: 'model.onnx', ...manifest.files.fp32 },
      { file: 'model.int8.onnx', ...manifest.files.int8 },
      { file: 'encoder.bin', ...manifest.files.encoder },
      { file: 'manifest.json', key, sha256: sha256Hex(bytes), size: bytes.byteLength },
      ...Object.keys(manifest.files.shards)
        .sort()
        .map((origin) => ({ file: shardFileName(origin), origin, ...shardArtifact(manifest.files.shards[origin]) })),
    ],
  }
}

/** The bytes of one file of a version, by its name in `files`; not_found names what is missing. */
export async function modelFileBytes(store: ArtifactStore, name: string, version: number, file: string): Promise<Uint8Array> {
  const stored = await loadManifest(store, name, version)
  if (stored === null) throw new TarmacError('not_found', `version ${version} of "${name}" has no manifest in the artifact store`)
  const entry = stored.files.find((f) => f.file === file)
  if (entry === undefined)
    throw new TarmacError('not_found', `${file}: version ${version} of "${name}" has no encoder shard for that origin`)
  const bytes = await store.get(entry.key)
  if (bytes === null) throw new TarmacError('not_found', `${file} of "${name}" version ${version} is missing from the artifact store`)
  return bytes
}
