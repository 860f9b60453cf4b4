import { fitReferenceProfileSpec, profileFlights } from '@tarmac/sdk/drift'
import { encodeFlights, type Flight, type FlightInstance, fitEncoder, fromInstance, NUMERIC_FEATURES } from '@tarmac/sdk/features'
import { artifactFile, featureSchemaHash, type ModelManifest, modelTensors, sha256Hex } from '@tarmac/sdk/manifest'
import { buildOnnxModel, createTsEvaluator, type NetworkSpec } from '@tarmac/sdk/onnx'

export const MODEL_NAME = 'flight-delay'
export const AIRPORTS = ['ATL', 'BOS', 'DEN', 'DFW', 'JFK', 'LAX', 'MIA', 'ORD', 'SEA', 'SFO']

export interface ModelFixture {
  manifest: ModelManifest
  fp32: Uint8Array
  int8: Uint8Array
}

/** mulberry32: a small seeded generator, so fixtures and replays are the same on every run */
export function rng(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function syntheticFlights(n: number, seed: number): { flights: Flight[]; labels: Uint8Array } {
  const r = rng(seed)
  const flights: Flight[] = []
  const labels = new Uint8Array(n)
  for (let i = 0; i < n; i++) {
    const origin = AIRPORTS[Math.floor(r() * AIRPORTS.length)]
    const destination = AIRPORTS[(AIRPORTS.indexOf(origin) + 1 + Math.floor(r() * (AIRPORTS.length - 1))) % AIRPORTS.length]
    const departureMs = Date.UTC(2026, 0, 1) + Math.floor(r() * 90 * 24 * 60) * 60_000
    const hour = new Date(departureMs).getUTCHours()
    flights.push({ origin, destination, departureMs, distance: 150 + Math.floor(r() * 2500) })
    labels[i] = r() < 0.1 + (hour >= 17 ? 0.25 : 0) + (origin === 'ORD' ? 0.2 : 0) ? 1 : 0
  }
  return { flights, labels }
}

function network(vocab: number, seed: number): NetworkSpec {
  const r = rng(seed)
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r())
  const fill = (n: number, scale: number) => Float32Array.from({ length: n }, () => gaussian() * scale)
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
const encoder = fitEncoder(training.flights, training.labels, { minAirportCount: 10 }).spec

/** Deterministic per version (its weights are seeded by it): publishing it twice is idempotent. */
export async function makeModel(version: number, name = MODEL_NAME): Promise<ModelFixture> {
  const seed = version * 101
  const net = network(encoder.airports.length, seed)
  const metadata = { name, version: String(version) }
  const fp32 = buildOnnxModel(net, { quantization: 'fp32', metadata })
  const int8 = buildOnnxModel(net, { quantization: 'int8', metadata })
  const batch = encodeFlights(training.flights, encoder)
  const scores = createTsEvaluator(fp32).run({ numeric: batch.numeric, origin: batch.origin, destination: batch.destination }, batch.rows)
  return {
    fp32,
    int8,
    manifest: {
      manifestVersion: 1,
      name,
      version,
      createdAt: '2026-05-01T00:00:00.000Z',
      runId: `run-${seed}`,
      dataVersion: 'synthetic-1',
      featureSchemaHash: await featureSchemaHash(),
      family: 'mlp',
      files: { fp32: await artifactFile(fp32, sha256Hex), int8: await artifactFile(int8, sha256Hex) },
      ...modelTensors(true),
      encoder: encoder as ModelManifest['encoder'],
      threshold: 0.5,
      metrics: { auc: 0.5 },
      parity: { maxAbsDiff: 0 },
      referenceProfile: profileFlights(training.flights, scores, fitReferenceProfileSpec(training.flights, scores, { topAirports: 8 })),
    },
  }
}

/** The TS evaluator on the int8 graph: what ORT in the browser must reproduce for the same bytes. */
export function int8Reference(model: ModelFixture, instances: FlightInstance[]): Float32Array {
  const batch = encodeFlights(instances.map(fromInstance), model.manifest.encoder)
  return createTsEvaluator(model.int8).run({ numeric: batch.numeric, origin: batch.origin, destination: batch.destination }, batch.rows)
}

/** Uploads both blobs and moves the alias through the Worker's admin API. */
export async function publish(baseUrl: string, adminKey: string, model: ModelFixture, alias = 'champion'): Promise<void> {
  const auth = { Authorization: `Bearer ${adminKey}` }
  for (const [bytes, file] of [
    [model.fp32, model.manifest.files.fp32],
    [model.int8, model.manifest.files.int8],
  ] as const) {
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
