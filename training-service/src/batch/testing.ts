import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { fitReferenceProfileSpec, profileFlights } from '@tarmac/sdk/drift'
import { encodeFlights } from '@tarmac/sdk/features'
import type { ModelManifest } from '@tarmac/sdk/manifest'
import { createTsEvaluator } from '@tarmac/sdk/onnx'
import { syntheticEncoder, syntheticNetwork } from '../bench/synthetic.ts'
import { exportOnnx } from '../export/bundle.ts'
import { type Home, openHome } from '../home.ts'
import { type LocalWorker, startLocalWorker } from '../local/edge-worker.ts'
import { registerExport } from '../pipeline/register.ts'
import { publishVersion } from '../publish/edge-client.ts'
import { setAlias } from '../registry/aliases.ts'
import { finishRun, startRun } from '../tracking/runs.ts'

/**
 * Test helper: a small seeded MLP over a synthetic encoder, registered like a trained version (blobs,
 * manifest, registry row) and made champion. Seconds to build, unlike a training run.
 */
export async function registerTestModel(home: Home, name = 'flight-delay'): Promise<ModelManifest> {
  const run = await startRun(home.db, { experiment: 'tests', dataVersion: 'synthetic-1' })
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
  await finishRun(home.db, run.id, 'finished')
  await setAlias(home.db, name, 'champion', manifest.version, { actor: 'tests', reason: 'fixture' })
  return manifest
}

export interface PublishedTestModel {
  dir: string
  home: Home
  manifest: ModelManifest
  worker: LocalWorker
  /** stops the Worker and closes the home */
  close(): Promise<void>
}

/** Test helper: a fresh folder and home with the test model registered and published as champion to a real `wrangler dev`. */
export async function publishedTestModel(prefix: string): Promise<PublishedTestModel> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix))
  const home = await openHome(path.join(dir, 'home'))
  const manifest = await registerTestModel(home)
  const worker = await startLocalWorker({ root: fileURLToPath(new URL('../../..', import.meta.url)), persistDir: path.join(dir, 'edge') })
  await publishVersion(home.store, { endpoint: worker.url, adminKey: worker.adminKey }, manifest.name, manifest.version, 'champion')
  const close = async () => {
    await worker.stop()
    await home.close()
  }
  return { dir, home, manifest, worker, close }
}
