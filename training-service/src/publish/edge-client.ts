import { createWorkerClient } from '@tarmac/sdk/client/worker'
import { manifestEncoder, type ServingEncoder } from '@tarmac/sdk/features'
import { type ModelManifest, manifestFiles, manifestSchema } from '@tarmac/sdk/manifest'
import { UserInputError, userFacing } from '../errors.ts'
import { manifestKey } from '../pipeline/register.ts'
import { type ArtifactStore, sha256Hex } from '../tracking/artifact-store.ts'

export interface EdgeTarget {
  /** the Worker's base URL, e.g. http://127.0.0.1:8787 */
  endpoint: string
  adminKey: string
}

export async function readManifest(store: ArtifactStore, name: string, version: number): Promise<ModelManifest> {
  const bytes = await store.get(manifestKey(name, version))
  if (!bytes) throw new UserInputError(`version ${version} of "${name}" has no manifest in the artifact store`)
  return manifestSchema.parse(JSON.parse(new TextDecoder().decode(bytes)))
}

/**
 * The version's encoder: the manifest's parameters over its cell tables blobs, each checked against the manifest's
 * sha256. Every shard is opened: batch scoring and evaluation here encode flights of any origin.
 */
export async function readEncoder(store: ArtifactStore, manifest: ModelManifest): Promise<ServingEncoder> {
  const encoder = await manifestEncoder(manifest, async (file) => {
    const bytes = await store.get(file.key)
    if (!bytes || sha256Hex(bytes) !== file.sha256) {
      throw new UserInputError(
        `${file.key} (encoder tables of ${manifest.name}@${manifest.version}) is missing or does not match its sha256`,
      )
    }
    return bytes
  })
  await encoder.prepare(Object.keys(manifest.files.shards).map((origin) => ({ origin })))
  return encoder
}

/**
 * Publishes a registered version through the Worker's admin API: every blob first (the Worker hashes and
 * verifies each), then the alias — which the Worker switches only after checking every blob the manifest
 * names. A failure at any point leaves the previous alias served.
 */
export async function publishVersion(
  store: ArtifactStore,
  target: EdgeTarget,
  name: string,
  version: number,
  alias: string,
): Promise<ModelManifest> {
  const manifest = await readManifest(store, name, version)
  const worker = createWorkerClient({ endpoint: target.endpoint, adminKey: target.adminKey })
  try {
    for (const [, file] of manifestFiles(manifest)) {
      const bytes = await store.get(file.key)
      if (!bytes) throw new UserInputError(`${file.key} of ${name}@${version} is missing from the artifact store`)
      await worker.admin.putBlob(file.sha256, new Uint8Array(bytes))
    }
    await worker.admin.putAlias(name, alias, manifest)
  } catch (error) {
    throw userFacing(error)
  }
  return manifest
}
