import { NUMERIC_FEATURES } from '../features/encoder.ts'
import type { PackedCellTables } from '../features/tables.ts'
import type { ArtifactFile, ModelManifest, ShardFile } from './index.ts'

/** The graph inputs and output every exported model has, described for the manifest. */
export function modelTensors(embedded: boolean): Pick<ModelManifest, 'inputs' | 'outputs'> {
  const inputs: ModelManifest['inputs'] = [
    {
      name: 'numeric',
      dtype: 'float32',
      shape: [-1, NUMERIC_FEATURES.length],
      description: `encoded features: ${NUMERIC_FEATURES.join(', ')}`,
    },
  ]
  if (embedded) {
    inputs.push(
      { name: 'origin', dtype: 'int32', shape: [-1], description: 'origin airport index in encoder.airports (0 = unknown)' },
      { name: 'destination', dtype: 'int32', shape: [-1], description: 'destination airport index in encoder.airports (0 = unknown)' },
    )
  }
  return { inputs, outputs: [{ name: 'probability', dtype: 'float32', shape: [-1, 1], description: 'P(arrival delay ≥ 15 min)' }] }
}

/** A model file's manifest entry: its content address, sha256 and size. */
export async function artifactFile(
  bytes: Uint8Array,
  sha256: (b: Uint8Array) => Promise<string> | string,
): Promise<ModelManifest['files']['fp32']> {
  const hash = await sha256(bytes)
  return shardArtifact({ sha256: hash, size: bytes.byteLength })
}

/** A shard's entry as the artifact file it is: content-addressed under blobs/<sha256>. */
export function shardArtifact(file: ShardFile): ArtifactFile {
  return { key: `blobs/${file.sha256}`, ...file }
}

/** The manifest entries of an encoder's packed tables: the global blob and each origin's shard. */
export async function tableFiles(
  packed: PackedCellTables,
  sha256: (b: Uint8Array) => Promise<string> | string,
): Promise<Pick<ModelManifest['files'], 'encoder' | 'shards'>> {
  const shards: ModelManifest['files']['shards'] = {}
  for (const [origin, bytes] of Object.entries(packed.shards)) shards[origin] = { sha256: await sha256(bytes), size: bytes.byteLength }
  return { encoder: await artifactFile(packed.global, sha256), shards }
}

/** Every blob a manifest names, with its field path (for errors): what publishing uploads and the alias check verifies. */
export function manifestFiles(manifest: Pick<ModelManifest, 'files'>): [field: string, file: ArtifactFile][] {
  const { fp32, int8, encoder, shards } = manifest.files
  return [
    ['files.fp32', fp32],
    ['files.int8', int8],
    ['files.encoder', encoder],
    ...Object.entries(shards).map(([origin, file]): [string, ArtifactFile] => [`files.shards.${origin}`, shardArtifact(file)]),
  ]
}
