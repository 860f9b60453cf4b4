import { encodeFlights, type ServingEncoder } from '@tarmac/sdk/features'
import type { ModelManifest } from '@tarmac/sdk/manifest'
import { auc } from '@tarmac/sdk/metrics'
import type { FlightColumns } from '../data/dataset.ts'
import { flightsOf, labelledIndex, labelsOf } from '../train/features.ts'
import { runOrtNode } from './onnx-runtimes.ts'

export interface Reproduction {
  rows: number
  stored: { auc_fp32: number; auc_int8: number; int8_max_abs_diff_vs_fp32: number }
  measured: { auc_fp32: number; auc_int8: number; int8_max_abs_diff_vs_fp32: number }
  matches: boolean
}

/** Re-measures a version's stored parity numbers with onnxruntime-node on its validation window, from the manifest alone. */
export async function reproduceParity(
  manifest: ModelManifest,
  fp32: Uint8Array,
  int8: Uint8Array,
  encoder: ServingEncoder,
  validate: FlightColumns,
): Promise<Reproduction> {
  const index = labelledIndex(validate)
  const flights = flightsOf(validate, index)
  await encoder.prepare(flights)
  const encoded = encodeFlights(flights, encoder)
  const labels = labelsOf(validate, index)
  const p32 = await runOrtNode(fp32, encoded)
  const p8 = await runOrtNode(int8, encoded)
  let maxDiff = 0
  for (let i = 0; i < p32.length; i++) maxDiff = Math.max(maxDiff, Math.abs(p32[i] - p8[i]))
  const measured = { auc_fp32: auc(labels, p32), auc_int8: auc(labels, p8), int8_max_abs_diff_vs_fp32: maxDiff }
  const stored = {
    auc_fp32: manifest.parity.auc_fp32,
    auc_int8: manifest.parity.auc_int8,
    int8_max_abs_diff_vs_fp32: manifest.parity.int8_max_abs_diff_vs_fp32,
  }
  const matches = (Object.keys(stored) as (keyof typeof stored)[]).every((k) => Math.abs(stored[k] - measured[k]) <= 1e-6)
  return { rows: index.length, stored, measured, matches }
}
