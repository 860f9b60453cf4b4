import { type Flight, fitEncoder, NUMERIC_FEATURES } from '@tarmac/sdk/features'
import type { NetworkSpec } from '@tarmac/sdk/onnx'
import { seededRandom } from '@tarmac/sdk/random'

const AIRPORTS = ['ATL', 'ORD', 'DFW', 'LAX', 'PHX', 'STL', 'DTW', 'MSP', 'LAS', 'DEN', 'SFO', 'SEA', 'BOS', 'JFK', 'MIA', 'IAH']

/** Flights with plausible fields, for benchmarks that need inputs but not real outcomes. */
export function syntheticFlights(n: number, seed: number): { flights: Flight[]; labels: Uint8Array } {
  const rand = seededRandom(seed)
  const flights: Flight[] = []
  const labels = new Uint8Array(n)
  for (let i = 0; i < n; i++) {
    const o = AIRPORTS[Math.floor(rand() * AIRPORTS.length)]
    const d = AIRPORTS[(AIRPORTS.indexOf(o) + 1 + Math.floor(rand() * (AIRPORTS.length - 1))) % AIRPORTS.length]
    const minute = Math.floor(rand() * 1440)
    flights.push({
      origin: o,
      destination: d,
      departureMs: Date.UTC(2001, 0, 1 + Math.floor(rand() * 59), 0, minute),
      distance: 150 + Math.floor(rand() * 2500),
    })
    labels[i] = rand() < 0.1 + (minute / 1440) * 0.3 ? 1 : 0
  }
  return { flights, labels }
}

/** The default MLP shape (hidden 128, 64; embeddings 8) with seeded random weights. */
export function syntheticNetwork(vocab: number, seed: number, hidden = [128, 64], dim = 8): NetworkSpec {
  const rand = seededRandom(seed)
  const values = (n: number, scale: number) => Float32Array.from({ length: n }, () => (rand() * 2 - 1) * scale)
  const embeddings = ['origin', 'destination'].map((input) => ({ input, vocab, dim, table: values(vocab * dim, 0.05) }))
  const widths = [NUMERIC_FEATURES.length + 2 * dim, ...hidden, 1]
  const layers = widths.slice(1).map((units, i) => ({
    inputs: widths[i],
    units,
    weights: values(widths[i] * units, Math.sqrt(6 / (widths[i] + units))),
    bias: values(units, 0.01),
    activation: (i === widths.length - 2 ? 'sigmoid' : 'relu') as 'relu' | 'sigmoid',
  }))
  return { numericWidth: NUMERIC_FEATURES.length, embeddings, layers }
}

export function syntheticEncoder(n = 20_000, seed = 1) {
  const { flights, labels } = syntheticFlights(n, seed)
  return { flights, spec: fitEncoder(flights, labels, { minAirportCount: 1 }).spec }
}
