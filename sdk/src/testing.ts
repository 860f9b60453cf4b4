/**
 * Deterministic fixtures the workspaces' tests share: synthetic flights, a seeded random network and a
 * complete model as the registry would publish it (manifest, fp32 and int8 bytes). Test code only.
 */
import { fitReferenceProfileSpec, profileFlights } from './drift/index.ts'
import {
  type EncoderSpec,
  encodeFlights,
  type Flight,
  type FlightInstance,
  fitEncoder,
  fromInstance,
  manifestEncoder,
  NUMERIC_FEATURES,
  type PackedCellTables,
  packCellTables,
  type ServingEncoder,
  servingEncoder,
  tableSizes,
} from './features/index.ts'
import {
  type ArtifactFile,
  artifactFile,
  featureSchemaHash,
  MANIFEST_VERSION,
  type ModelManifest,
  manifestFiles,
  modelTensors,
  sha256Hex,
  tableFiles,
} from './manifest/index.ts'
import { buildOnnxModel, createMlpEvaluator, createTsEvaluator, type NetworkSpec } from './onnx/index.ts'
import { seededRandom } from './random.ts'

export const FIXTURE_AIRPORTS = ['ATL', 'BOS', 'DEN', 'DFW', 'JFK', 'LAX', 'MIA', 'ORD', 'SEA', 'SFO'] as const

/**
 * Flights over Jan–Mar 2026 whose delay rate rises in the evening, out of ORD and when a flight leaves long after
 * its slot, so models have signal. Each route departs at three slots of the day (its `route@minute` keys show
 * them); one flight in five leaves 10–130 minutes late.
 */
export function syntheticFlights(n: number, seed: number): { flights: Flight[]; labels: Uint8Array } {
  const r = seededRandom(seed)
  const airports: readonly string[] = FIXTURE_AIRPORTS
  const flights: Flight[] = []
  const labels = new Uint8Array(n)
  const start = Date.UTC(2026, 0, 1)
  for (let i = 0; i < n; i++) {
    const o = Math.floor(r() * airports.length)
    let d = Math.floor(r() * airports.length)
    if (d === o) d = (o + 1) % airports.length
    const slot = 360 + ((o * 97 + d * 53) % 120) + Math.floor(r() * 3) * 300
    const late = r() < 0.2 ? 10 + Math.floor(r() * 120) : Math.floor(r() * 5) - 2
    const departureMs = start + Math.floor(r() * 90) * 86_400_000 + (slot + late) * 60_000
    const distance = 150 + Math.floor(r() * 2500)
    const hour = new Date(departureMs).getUTCHours()
    flights.push({ origin: airports[o], destination: airports[d], departureMs, distance })
    labels[i] = r() < 0.1 + (hour >= 17 ? 0.2 : 0) + (o === airports.indexOf('ORD') ? 0.15 : 0) + (late >= 15 ? 0.4 : 0) ? 1 : 0
  }
  return { flights, labels }
}

export function toInstance(f: Flight): FlightInstance {
  return { origin: f.origin, destination: f.destination, departedAt: new Date(f.departureMs).toISOString(), distance: f.distance }
}

export function syntheticInstances(n: number, seed: number): FlightInstance[] {
  return syntheticFlights(n, seed).flights.map(toInstance)
}

/** A small embedding MLP with Gaussian weights: a stand-in for a trained network with the served shape. */
export function randomNetwork(vocab: number, seed: number): NetworkSpec {
  const r = seededRandom(seed)
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
export const fixtureEncoder = fitEncoder(training.flights, training.labels, { minAirportCount: 10 }).spec

export interface ModelFixture {
  manifest: ModelManifest
  fp32: Uint8Array
  int8: Uint8Array
  /** the encoder's cell tables blobs (files.encoder and files.shards) */
  tables: PackedCellTables
  /** every blob the manifest names, beside its entry: what publishing uploads */
  blobs: [bytes: Uint8Array, file: ArtifactFile][]
  /** the manifest's encoder opened over `tables`, as every runtime serves it */
  encoder: ServingEncoder
}

/** A publishable model: the same name, version and seed always give the same bytes. */
export async function makeModelFixture(
  name: string,
  version: number,
  seed: number,
  createdAt = new Date().toISOString(),
): Promise<ModelFixture> {
  const net = randomNetwork(fixtureEncoder.airports.length, seed)
  const metadata = { name, version: String(version) }
  const fp32 = buildOnnxModel(net, { quantization: 'fp32', metadata })
  const int8 = buildOnnxModel(net, { quantization: 'int8', metadata })
  const tables = await packCellTables(fixtureEncoder.cells)
  const { cells, ...params } = fixtureEncoder
  const batch = encodeFlights(training.flights, fixtureEncoder)
  const scores = createTsEvaluator(fp32).run({ numeric: batch.numeric, origin: batch.origin, destination: batch.destination }, batch.rows)
  const manifest: ModelManifest = {
    manifestVersion: MANIFEST_VERSION,
    name,
    version,
    createdAt,
    runId: `run-${seed}`,
    dataVersion: 'synthetic-1',
    featureSchemaHash: await featureSchemaHash(),
    family: 'mlp',
    files: {
      fp32: await artifactFile(fp32, sha256Hex),
      int8: await artifactFile(int8, sha256Hex),
      ...(await tableFiles(tables, sha256Hex)),
    },
    ...modelTensors(true),
    encoder: { ...params, cells: tableSizes(cells) },
    threshold: 0.5,
    metrics: { auc: 0.5 },
    parity: { maxAbsDiff: 0 },
    referenceProfile: profileFlights(training.flights, scores, fitReferenceProfileSpec(training.flights, scores, { topAirports: 8 })),
  }
  const all = [fp32, int8, tables.global, ...Object.values(tables.shards)]
  const bytesOf = new Map(await Promise.all(all.map(async (b) => [await sha256Hex(b), b] as const)))
  const blobs = manifestFiles(manifest).map(([, file]): [Uint8Array, ArtifactFile] => [bytesOf.get(file.sha256) as Uint8Array, file])
  const encoder = await manifestEncoder(manifest, async (file) => bytesOf.get(file.sha256) as Uint8Array)
  // every shard open: the fixture's encoder serves synchronous references
  await encoder.prepare(Object.keys(tables.shards).map((origin) => ({ origin })))
  return { manifest, fp32, int8, tables, blobs, encoder }
}

/** What the TS evaluator says about instances under a fixture's encoder: the reference every engine must match. */
export function referenceProbabilities(model: ModelFixture, rows: FlightInstance[], graph: 'fp32' | 'int8' = 'fp32'): Float32Array {
  const batch = encodeFlights(rows.map(fromInstance), model.encoder)
  // the TS engine's evaluator: what the Worker and the browser's default backend compute, bit for bit
  return createMlpEvaluator(model[graph]).run({ numeric: batch.numeric, origin: batch.origin, destination: batch.destination }, batch.rows)
}

/**
 * A spec's tables packed and served as a Worker serves them, shards fetched lazily from memory; `fetched` lists
 * the origins whose shard was asked for, in order.
 */
export async function servedSpec(spec: EncoderSpec): Promise<{ encoder: ServingEncoder; packed: PackedCellTables; fetched: string[] }> {
  const packed = await packCellTables(spec.cells)
  const { cells, ...params } = spec
  const fetched: string[] = []
  const encoder = await servingEncoder({ ...params, cells: tableSizes(cells) }, packed.global, {
    origins: Object.keys(packed.shards),
    read: async (origin) => {
      fetched.push(origin)
      return packed.shards[origin]
    },
  })
  return { encoder, packed, fetched }
}
