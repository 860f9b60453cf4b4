import { fitReferenceProfileSpec, profileFlights } from '@tarmac/sdk/drift'
import { encodeFlights } from '@tarmac/sdk/features'
import type { ModelManifest } from '@tarmac/sdk/manifest'
import { createTsEvaluator } from '@tarmac/sdk/onnx'
import { syntheticEncoder, syntheticNetwork } from '../bench/synthetic.ts'
import { exportOnnx } from '../export/bundle.ts'
import type { Home } from '../home.ts'
import { registerExport } from '../pipeline/register.ts'
import { setAlias } from '../registry/aliases.ts'
import { finishRun, startRun } from '../tracking/runs.ts'

/**
 * Test helper: a small seeded MLP over a synthetic encoder, registered like a trained version (blobs,
 * manifest, registry row) and made champion. Seconds to build, unlike a training run.
 */
export async function registerTestModel(home: Home, name = 'flight-delay'): Promise<ModelManifest> {
  const run = startRun(home.db, { experiment: 'tests', dataVersion: 'synthetic-1' })
  const { flights, spec } = syntheticEncoder(3_000, 2)
  const models = exportOnnx(syntheticNetwork(spec.airports.length, 11, [16], 4), { name })
  const { rows, numeric, origin, destination } = encodeFlights(flights, spec)
  const scores = createTsEvaluator(models.fp32).run({ numeric, origin, destination }, rows)
  const manifest = await registerExport(home.db, home.store, {
    name,
    runId: run.id,
    dataVersion: 'synthetic-1',
    family: 'mlp',
    models,
    encoder: spec,
    threshold: 0.5,
    metrics: { val_auc: 0.8, baseline_auc: 0.7, val_ece: 0.02 },
    parity: {},
    referenceProfile: profileFlights(flights, scores, fitReferenceProfileSpec(flights, scores)),
    embedded: true,
  })
  finishRun(home.db, run.id, 'finished')
  setAlias(home.db, name, 'champion', manifest.version, { actor: 'tests', reason: 'fixture' })
  return manifest
}
