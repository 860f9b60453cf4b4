import { NUMERIC_FEATURES } from '@tarmac/sdk/features'
import { seededRandom } from '@tarmac/sdk/random'
import type { NetworkShape } from '../train/network.ts'
import type { EncodedSplit } from '../train/trainer.ts'

export const SYNTHETIC_SHAPE: NetworkShape = { numericWidth: NUMERIC_FEATURES.length, vocab: 12 }

/** Encoded rows whose label depends on two features and the origin index, so a network has something to learn. */
export function syntheticSplit(rows: number, seed: number): EncodedSplit {
  const width = NUMERIC_FEATURES.length
  const rand = seededRandom(seed)
  const numeric = Float32Array.from({ length: rows * width }, () => rand() * 2 - 1)
  const origin = Int32Array.from({ length: rows }, () => Math.floor(rand() * 12))
  const destination = Int32Array.from({ length: rows }, () => Math.floor(rand() * 12))
  const labels = Uint8Array.from({ length: rows }, (_, r) =>
    numeric[r * width] + numeric[r * width + 3] + (origin[r] > 8 ? 1 : 0) + rand() - 0.5 > 0.6 ? 1 : 0,
  )
  return { rows, width, numeric, origin, destination, labels }
}
