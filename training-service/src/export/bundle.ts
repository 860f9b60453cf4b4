import { createHash } from 'node:crypto'
import type { Profile } from '@tarmac/sdk/drift'
import { type EncoderSpec, type PackedCellTables, packCellTables, tableSizes } from '@tarmac/sdk/features'
import {
  artifactFile,
  featureSchemaHash,
  MANIFEST_VERSION,
  type ModelManifest,
  manifestSchema,
  modelTensors,
  tableFiles,
} from '@tarmac/sdk/manifest'
import { buildOnnxModel, type NetworkSpec } from '@tarmac/sdk/onnx'

export interface ExportedModels {
  fp32: Uint8Array
  int8: Uint8Array
}

export function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex')
}

/** Writes the network as ONNX twice: fp32, and int8 weight-only per-channel. */
export function exportOnnx(net: NetworkSpec, metadata: Record<string, string>): ExportedModels {
  return {
    fp32: buildOnnxModel(net, { quantization: 'fp32', metadata }),
    int8: buildOnnxModel(net, { quantization: 'int8', metadata }),
  }
}

export interface ManifestInput {
  name: string
  version: number
  runId: string
  dataVersion: string
  family: string
  models: ExportedModels
  encoder: EncoderSpec
  threshold: number
  metrics: Record<string, number>
  parity: Record<string, number>
  referenceProfile: Profile
  embedded: boolean
}

/** The encoder's cell tables as the blobs files.encoder (global) and files.shards (one per origin) name. */
export function exportEncoderTables(encoder: EncoderSpec): Promise<PackedCellTables> {
  return packCellTables(encoder.cells)
}

/**
 * The manifest that travels with a model version; validated against the SDK schema before it is written.
 * `tables` is exportEncoderTables(m.encoder): the manifest keeps the encoder's scalars and names the blobs.
 */
export async function buildManifest(m: ManifestInput & { tables: PackedCellTables }): Promise<ModelManifest> {
  const { cells, ...params } = m.encoder
  return manifestSchema.parse({
    manifestVersion: MANIFEST_VERSION,
    name: m.name,
    version: m.version,
    createdAt: new Date().toISOString(),
    runId: m.runId,
    dataVersion: m.dataVersion,
    featureSchemaHash: await featureSchemaHash(),
    family: m.family,
    files: {
      fp32: await artifactFile(m.models.fp32, sha256),
      int8: await artifactFile(m.models.int8, sha256),
      ...(await tableFiles(m.tables, sha256)),
    },
    ...modelTensors(m.embedded),
    encoder: { ...params, cells: tableSizes(cells) },
    threshold: m.threshold,
    metrics: m.metrics,
    parity: m.parity,
    referenceProfile: m.referenceProfile,
  })
}
