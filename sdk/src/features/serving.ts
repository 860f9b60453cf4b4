import type { ArtifactFile, ModelManifest } from '../manifest/index.ts'
import { shardArtifact } from '../manifest/tensors.ts'
import type { EncoderParams, ServingEncoder } from './encoder.ts'
import { CELL_NAMES, type CellName } from './keys.ts'
import { CellTablesFormatError, openCellTables } from './tables.ts'

/** Where an encoder's shards come from: the origins the manifest lists, and a read that verifies the bytes. */
export interface ShardSource {
  origins: readonly string[]
  read(origin: string): Promise<Uint8Array>
}

/**
 * The serving encoder: the manifest's scalars and vocabulary with the global tables blob opened behind them, and
 * each origin's shard fetched once, when prepare() first meets a flight from it. Refuses a global blob whose
 * tables or shard list differ from the manifest's, a sign of a blob from another version.
 */
export async function servingEncoder(
  params: EncoderParams & { cells: Record<CellName, number> },
  global: Uint8Array,
  shards: ShardSource,
): Promise<ServingEncoder> {
  const opened = await openCellTables(global)
  for (const cell of CELL_NAMES) {
    const entries = opened.entries[cell]
    if (entries !== undefined && entries !== params.cells[cell])
      throw new CellTablesFormatError(`cell tables: ${cell} has ${entries} entries, the manifest says ${params.cells[cell]}`)
  }
  if (opened.origins.join() !== [...shards.origins].sort().join())
    throw new CellTablesFormatError(`cell tables: shards of ${opened.origins.length} origins, the manifest lists ${shards.origins.length}`)
  const pending = new Map<string, Promise<void>>()
  const open = (origin: string): Promise<void> => {
    let p = pending.get(origin)
    if (!p) {
      p = shards
        .read(origin)
        .then((bytes) => opened.openShard(origin, bytes))
        // a failed read is retried by the next prepare
        .catch((error) => {
          pending.delete(origin)
          throw error
        })
      pending.set(origin, p)
    }
    return p
  }
  const withShard = new Set(opened.origins)
  const { version, globalRate, smoothing, airports, logDistance } = params
  return {
    version,
    globalRate,
    smoothing,
    airports,
    logDistance,
    lookup: opened.lookup,
    slotOf: opened.slotOf,
    keys: opened.keys,
    async prepare(flights) {
      const origins = new Set<string>()
      for (const f of flights) if (withShard.has(f.origin) && !opened.isOpen(f.origin)) origins.add(f.origin)
      await Promise.all(Array.from(origins, open))
    },
  }
}

/** The serving encoder of a manifest, its blobs read (and verified against their sha256) by `read`. */
export async function manifestEncoder(
  manifest: Pick<ModelManifest, 'encoder' | 'files'>,
  read: (file: ArtifactFile) => Promise<Uint8Array>,
): Promise<ServingEncoder> {
  const { shards } = manifest.files
  return servingEncoder(manifest.encoder, await read(manifest.files.encoder), {
    origins: Object.keys(shards),
    read: (origin) => read(shardArtifact(shards[origin])),
  })
}
