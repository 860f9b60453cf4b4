import { encodeFlights } from '@tarmac/sdk/features'
import { auc, calibrationBins, expectedCalibrationError } from '@tarmac/sdk/metrics'
import { type FlightColumns, pickRows } from '../data/dataset.ts'
import { runOrtNode } from '../export/onnx-runtimes.ts'
import { readEncoder, readManifest } from '../publish/edge-client.ts'
import type { ArtifactStore } from '../tracking/artifact-store.ts'
import { flightsOf, labelledIndex, labelsOf } from '../train/features.ts'

/** AUC and ECE of a registered version's served (fp32) model on labelled flights, scored offline with onnxruntime-node. */
export async function versionMetrics(
  store: ArtifactStore,
  name: string,
  version: number,
  flights: FlightColumns,
): Promise<{ auc: number; ece: number; rows: number }> {
  const manifest = await readManifest(store, name, version)
  const model = await store.get(manifest.files.fp32.key)
  if (!model) throw new Error(`${manifest.files.fp32.key} of ${name}@${version} is missing from the artifact store`)
  const index = labelledIndex(flights)
  const scores = await runOrtNode(model, encodeFlights(flightsOf(flights, index), await readEncoder(store, manifest)))
  const labels = labelsOf(flights, index)
  return { auc: auc(labels, scores), ece: expectedCalibrationError(calibrationBins(labels, scores)), rows: index.length }
}

/** The rows of `c` whose departure falls in [from, to). */
export function sliceByTime(c: FlightColumns, from: number, to: number): FlightColumns {
  const keep: number[] = []
  for (let i = 0; i < c.size; i++) if (c.departureMs[i] >= from && c.departureMs[i] < to) keep.push(i)
  return pickRows(c, keep)
}
