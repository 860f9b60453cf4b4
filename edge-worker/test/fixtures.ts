import { createExecutionContext, createMessageBatch, env, getQueueResult, SELF } from 'cloudflare:test'
import { fromInstance } from '@tarmac/sdk/features'
import { type ModelFixture, syntheticInstances } from '@tarmac/sdk/testing'
import { sha256Hex } from '../src/auth/hash.ts'
import worker from '../src/index.ts'
import { instanceOf, type PredictionEvent, rawFeatures } from '../src/telemetry/events.ts'

export const ADMIN = { Authorization: 'Bearer test-admin-key' }
/** predict keys configured in vitest.config.ts; each has its own rate-limit budget */
export const KEY_A = { Authorization: 'Bearer test-key-a' }
export const KEY_B = { Authorization: 'Bearer test-key-b' }
export const KEY_C = { Authorization: 'Bearer test-key-c' }

export {
  fixtureEncoder as encoder,
  type ModelFixture,
  makeModelFixture as makeModel,
  referenceProbabilities as reference,
  syntheticInstances as instances,
} from '@tarmac/sdk/testing'

export function uploadBlob(bytes: Uint8Array, sha256: string, headers: Record<string, string> = ADMIN): Promise<Response> {
  return SELF.fetch(`https://edge.test/admin/blobs/${sha256}`, { method: 'PUT', headers, body: bytes })
}

export function putAlias(manifest: unknown, name: string, alias: string): Promise<Response> {
  return SELF.fetch(`https://edge.test/admin/models/${name}/aliases/${alias}`, {
    method: 'PUT',
    headers: { ...ADMIN, 'Content-Type': 'application/json' },
    body: JSON.stringify(manifest),
  })
}

/** Uploads every blob and points the alias at the fixture's version, asserting each step succeeds. */
export async function publish(model: ModelFixture, alias = 'champion'): Promise<void> {
  for (const [bytes, file] of model.blobs) {
    const res = await uploadBlob(bytes, file.sha256)
    if (res.status !== 201) throw new Error(`blob upload: ${res.status} ${await res.text()}`)
  }
  const res = await putAlias(model.manifest, model.manifest.name, alias)
  if (res.status !== 200) throw new Error(`publish: ${res.status} ${await res.text()}`)
}

export function postJson(path: string, body: unknown, headers: Record<string, string> = KEY_A): Promise<Response> {
  return SELF.fetch(`https://edge.test${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  })
}

/** Polls `probe` until it returns a value: for what the local queues deliver asynchronously. */
export async function waitFor<T>(probe: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const until = Date.now() + ms
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > until) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 100))
  }
}

/**
 * Served predictions of `model` v1 with the given probabilities, one a second from `at`, made with test-key-a (so
 * its feedback joins them) and fed straight to the telemetry consumer; prediction ids are `${prefix}-${i}`.
 */
export async function consumePredictions(model: string, probabilities: readonly number[], at: number, prefix: string, seed: number) {
  const keyHash = (await sha256Hex('test-key-a')).slice(0, 32)
  const events: PredictionEvent[] = syntheticInstances(probabilities.length, seed).map((row, i) => ({
    eventId: `${prefix}-${i}`,
    predictionId: `${prefix}-${i}`,
    role: 'served',
    source: 'edge',
    engine: 'ts',
    model,
    version: 1,
    at: at + i * 1000,
    latencyMs: 2,
    probability: probabilities[i],
    features: rawFeatures(fromInstance(row)),
    keyHash,
    instance: instanceOf(fromInstance(row)),
  }))
  for (let i = 0; i < events.length; i += 100) {
    const batch = createMessageBatch<PredictionEvent>(
      'tarmac-telemetry',
      events.slice(i, i + 100).map((body, j) => ({ id: `${prefix}-message-${i + j}`, timestamp: new Date(), attempts: 1, body })),
    )
    const ctx = createExecutionContext()
    await worker.queue(batch, env, ctx)
    await getQueueResult(batch, ctx)
  }
}
