import { NUMERIC_FEATURES } from '../features/encoder.ts'
import type { ModelManifest } from './index.ts'

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
  return { key: `blobs/${hash}`, sha256: hash, size: bytes.byteLength }
}
