import { SELF } from 'cloudflare:test'
import { fitReferenceProfileSpec, profileFlights } from '@tarmac/sdk/drift'
import { encodeFlights, type Flight, type FlightInstance, fitEncoder, fromInstance, NUMERIC_FEATURES } from '@tarmac/sdk/features'
import { artifactFile, featureSchemaHash, type ModelManifest, modelTensors } from '@tarmac/sdk/manifest'
import { buildOnnxModel, createTsEvaluator, type NetworkSpec } from '@tarmac/sdk/onnx'
import { seededRandom as rng } from '@tarmac/sdk/random'
import { sha256Hex } from '../src/auth/hash.ts'

export const ADMIN = { Authorization: 'Bearer test-admin-key' }
/** predict keys configured in vitest.config.ts; each has its own rate-limit budget */
export const KEY_A = { Authorization: 'Bearer test-key-a' }
export const KEY_B = { Authorization: 'Bearer test-key-b' }
export const KEY_C = { Authorization: 'Bearer test-key-c' }

export { seededRandom as rng } from '@tarmac/sdk/random'

const AIRPORTS = ['ATL', 'BOS', 'DEN', 'DFW', 'JFK', 'LAX', 'MIA', 'ORD', 'SEA', 'SFO']

export function syntheticFlights(n: number, seed: number): { flights: Flight[]; labels: Uint8Array } {
  const r = rng(seed)
  const flights: Flight[] = []
  const labels = new Uint8Array(n)
  const start = Date.UTC(2026, 0, 1)
  for (let i = 0; i < n; i++) {
    const origin = AIRPORTS[Math.floor(r() * AIRPORTS.length)]
    let destination = AIRPORTS[Math.floor(r() * AIRPORTS.length)]
    if (destination === origin) destination = AIRPORTS[(AIRPORTS.indexOf(origin) + 1) % AIRPORTS.length]
    const departureMs = start + Math.floor(r() * 90 * 24 * 60) * 60_000
    const distance = 150 + Math.floor(r() * 2500)
    const hour = new Date(departureMs).getUTCHours()
    flights.push({ origin, destination, departureMs, distance })
    labels[i] = r() < 0.1 + (hour >= 17 ? 0.2 : 0) + (origin === 'ORD' ? 0.15 : 0) ? 1 : 0
  }
  return { flights, labels }
}

export function toInstance(f: Flight): FlightInstance {
  return { origin: f.origin, destination: f.destination, departure: new Date(f.departureMs).toISOString(), distance: f.distance }
}

export function instances(n: number, seed: number): FlightInstance[] {
  return syntheticFlights(n, seed).flights.map(toInstance)
}

function gaussian(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r())
}

export function randomNetwork(vocab: number, seed: number): NetworkSpec {
  const r = rng(seed)
  const fill = (n: number, scale: number) => Float32Array.from({ length: n }, () => gaussian(r) * scale)
  const dim = 4
  const width = NUMERIC_FEATURES.length + 2 * dim
  return {
    numericWidth: NUMERIC_FEATURES.length,
    embeddings: ['origin', 'destination'].map((input) => ({ input, vocab, dim, table: fill(vocab * dim, 0.3) })),
    layers: [
      { inputs: width, units: 16, weights: fill(width * 16, 0.3), bias: fill(16, 0.1), activation: 'relu' },
      { inputs: 16, units: 1, weights: fill(16, 0.3), bias: fill(1, 0.1), activation: 'sigmoid' },
    ],
  }
}

const training = syntheticFlights(3000, 7)
const fitted = fitEncoder(training.flights, training.labels, { minAirportCount: 10 })
export const encoderSpec = fitted.spec

export interface ModelFixture {
  manifest: ModelManifest
  fp32: Uint8Array
  int8: Uint8Array
}

export async function makeModel(name: string, version: number, seed: number): Promise<ModelFixture> {
  const net = randomNetwork(encoderSpec.airports.length, seed)
  const metadata = { name, version: String(version) }
  const fp32 = buildOnnxModel(net, { quantization: 'fp32', metadata })
  const int8 = buildOnnxModel(net, { quantization: 'int8', metadata })
  const batch = encodeFlights(training.flights, encoderSpec)
  const scores = createTsEvaluator(fp32).run({ numeric: batch.numeric, origin: batch.origin, destination: batch.destination }, batch.rows)
  const spec = fitReferenceProfileSpec(training.flights, scores, { topAirports: 8 })
  const manifest: ModelManifest = {
    manifestVersion: 1,
    name,
    version,
    createdAt: new Date().toISOString(),
    runId: `run-${seed}`,
    dataVersion: 'synthetic-1',
    featureSchemaHash: await featureSchemaHash(),
    family: 'mlp',
    files: { fp32: await artifactFile(fp32, sha256Hex), int8: await artifactFile(int8, sha256Hex) },
    ...modelTensors(true),
    // the manifest schema types cell stats as mutable tuples; EncoderSpec's are readonly
    encoder: encoderSpec as ModelManifest['encoder'],
    threshold: 0.5,
    metrics: { auc: 0.5 },
    parity: { maxAbsDiff: 0 },
    referenceProfile: profileFlights(training.flights, scores, spec),
  }
  return { manifest, fp32, int8 }
}

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

/** Uploads both blobs and points the alias at the fixture's version, asserting each step succeeds. */
export async function publish(model: ModelFixture, alias = 'champion'): Promise<void> {
  for (const [bytes, file] of [
    [model.fp32, model.manifest.files.fp32],
    [model.int8, model.manifest.files.int8],
  ] as const) {
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

/** What the TS evaluator says about instances under a fixture's encoder: the reference every engine must match. */
export function reference(model: ModelFixture, rows: FlightInstance[]): Float32Array {
  const batch = encodeFlights(rows.map(fromInstance), model.manifest.encoder)
  return createTsEvaluator(model.fp32).run({ numeric: batch.numeric, origin: batch.origin, destination: batch.destination }, batch.rows)
}
