import type { ModelManifest } from '@tarmac/sdk/manifest'
import type { Db } from '../db/open.ts'
import { TarmacError } from '../errors.ts'
import { buildManifest, exportEncoderTables, type ManifestInput, sha256 } from '../export/bundle.ts'
import { getModel, registerModelVersion } from '../registry/versions.ts'
import { type ArtifactStore, putBlob } from '../tracking/artifact-store.ts'

export const manifestKey = (name: string, version: number) => `models/${name}/${version}/manifest.json`

/**
 * Registers a verified export as the next version: blobs first (content-addressed), then the manifest,
 * then the registry row — a version never names a file that is not stored.
 */
export async function registerExport(db: Db, store: ArtifactStore, input: Omit<ManifestInput, 'version'>): Promise<ModelManifest> {
  await putBlob(store, input.models.fp32)
  await putBlob(store, input.models.int8)
  const tables = await exportEncoderTables(input.encoder)
  await putBlob(store, tables.global)
  for (const shard of Object.values(tables.shards)) await putBlob(store, shard)
  for (let attempt = 0; attempt < 3; attempt++) {
    const latest = (await modelExists(db, input.name))
      ? (await getModel(db, input.name)).versions.reduce((m, v) => Math.max(m, v.version), 0)
      : 0
    const manifest = await buildManifest({ ...input, tables, version: latest + 1 })
    const bytes = new TextEncoder().encode(JSON.stringify(manifest))
    const stored = await store.put(manifestKey(input.name, manifest.version), bytes)
    try {
      await registerModelVersion(db, {
        name: input.name,
        runId: input.runId,
        artifactUri: stored.uri,
        manifestSha256: sha256(bytes),
        dataVersion: input.dataVersion,
        metrics: input.metrics,
        expectedVersion: manifest.version,
      })
      return manifest
    } catch (e) {
      // Another process took this number between our read and our write: build the manifest again.
      if (!(e instanceof TarmacError && e.code === 'conflict')) throw e
    }
  }
  throw new TarmacError('conflict', `could not register a version of "${input.name}": concurrent registrations kept taking the number`)
}

async function modelExists(db: Db, name: string): Promise<boolean> {
  try {
    await getModel(db, name)
    return true
  } catch (e) {
    if (e instanceof TarmacError && e.code === 'not_found') return false
    throw e
  }
}
