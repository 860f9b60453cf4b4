import { createHash } from 'node:crypto'
import type { Profile } from '@tarmac/sdk/drift'
import type { EncoderSpec } from '@tarmac/sdk/features'
import { NUMERIC_FEATURES } from '@tarmac/sdk/features'
import { featureSchemaHash, MANIFEST_VERSION, type ModelManifest, manifestSchema } from '@tarmac/sdk/manifest'
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

const fileEntry = (bytes: Uint8Array) => {
  const hash = sha256(bytes)
  return { key: `blobs/${hash}`, sha256: hash, size: bytes.byteLength }
}

/** The manifest that travels with a model version; validated against the SDK schema before it is written. */
export async function buildManifest(m: ManifestInput): Promise<ModelManifest> {
  const width = NUMERIC_FEATURES.length
  const inputs: ModelManifest['inputs'] = [
    { name: 'numeric', dtype: 'float32', shape: [-1, width], description: `encoded features: ${NUMERIC_FEATURES.join(', ')}` },
  ]
  if (m.embedded) {
    inputs.push(
      { name: 'origin', dtype: 'int32', shape: [-1], description: 'origin airport index in encoder.airports (0 = unknown)' },
      { name: 'destination', dtype: 'int32', shape: [-1], description: 'destination airport index in encoder.airports (0 = unknown)' },
    )
  }
  return manifestSchema.parse({
    manifestVersion: MANIFEST_VERSION,
    name: m.name,
    version: m.version,
    createdAt: new Date().toISOString(),
    runId: m.runId,
    dataVersion: m.dataVersion,
    featureSchemaHash: await featureSchemaHash(),
    family: m.family,
    files: { fp32: fileEntry(m.models.fp32), int8: fileEntry(m.models.int8) },
    inputs,
    outputs: [{ name: 'probability', dtype: 'float32', shape: [-1, 1], description: 'P(arrival delay ≥ 15 min)' }],
    encoder: m.encoder,
    threshold: m.threshold,
    metrics: m.metrics,
    parity: m.parity,
    referenceProfile: m.referenceProfile,
  })
}
