import type { FlightInstance } from '@tarmac/sdk/features'
import { type ModelFixture, makeModelFixture, referenceProbabilities } from '@tarmac/sdk/testing'

export { seededRandom as rng } from '@tarmac/sdk/random'
export { FIXTURE_AIRPORTS as AIRPORTS, type ModelFixture } from '@tarmac/sdk/testing'

export const MODEL_NAME = 'flight-delay'

/** Deterministic per version (its weights are seeded by it): publishing it twice is idempotent. */
export function makeModel(version: number, name = MODEL_NAME): Promise<ModelFixture> {
  return makeModelFixture(name, version, version * 101, '2026-05-01T00:00:00.000Z')
}

/** The TS evaluator on the int8 graph: what ORT in the browser must reproduce for the same bytes. */
export function int8Reference(model: ModelFixture, instances: FlightInstance[]): Float32Array {
  return referenceProbabilities(model, instances, 'int8')
}

/** Uploads every blob and moves the alias through the Worker's admin API. */
export async function publish(baseUrl: string, adminKey: string, model: ModelFixture, alias = 'champion'): Promise<void> {
  const auth = { Authorization: `Bearer ${adminKey}` }
  for (const [bytes, file] of model.blobs) {
    const res = await fetch(`${baseUrl}/admin/blobs/${file.sha256}`, {
      method: 'PUT',
      headers: auth,
      body: bytes as Uint8Array<ArrayBuffer>,
    })
    if (res.status !== 201) throw new Error(`blob upload to ${baseUrl}: ${res.status} ${await res.text()}`)
  }
  const res = await fetch(`${baseUrl}/admin/models/${model.manifest.name}/aliases/${alias}`, {
    method: 'PUT',
    headers: { ...auth, 'Content-Type': 'application/json' },
    body: JSON.stringify(model.manifest),
  })
  if (res.status !== 200) throw new Error(`publish to ${baseUrl}: ${res.status} ${await res.text()}`)
}
