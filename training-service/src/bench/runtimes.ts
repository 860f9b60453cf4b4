import { type EncoderSpec, encodeFlights, type Flight, type ServingEncoder } from '@tarmac/sdk/features'
import type { ModelManifest } from '@tarmac/sdk/manifest'
import { buildOnnxModel, createMlpEvaluator, createTsEvaluator } from '@tarmac/sdk/onnx'
import * as ortNode from 'onnxruntime-node'
import * as ortWeb from 'onnxruntime-web'
import { createRowAtATimeMlp } from './mlp-before.ts'
import { fmt, percentile, row, timeCalls } from './stats.ts'
import { syntheticEncoder, syntheticNetwork } from './synthetic.ts'

export interface ModelUnderTest {
  label: string
  fp32: Uint8Array
  int8: Uint8Array
  encoder: EncoderSpec | ServingEncoder
  flights: Flight[]
  manifest: ModelManifest | null
}

export function syntheticModel(): ModelUnderTest {
  const { flights, spec } = syntheticEncoder()
  const net = syntheticNetwork(spec.airports.length, 3)
  return {
    label: 'synthetic default-shape MLP (no registered model found)',
    fp32: buildOnnxModel(net, { quantization: 'fp32', metadata: {} }),
    int8: buildOnnxModel(net, { quantization: 'int8', metadata: {} }),
    encoder: spec,
    flights,
    manifest: null,
  }
}

type Session = { run(feeds: Record<string, unknown>): Promise<Record<string, { data: unknown }>> }

async function ortRunner(ort: typeof ortNode | typeof ortWeb, bytes: Uint8Array, options: Record<string, unknown>) {
  const session = (await ort.InferenceSession.create(bytes, options)) as unknown as Session
  return (batch: ReturnType<typeof encodeFlights>) =>
    session.run({
      numeric: new ort.Tensor('float32', batch.numeric, [batch.rows, batch.numeric.length / batch.rows]),
      origin: new ort.Tensor('int32', batch.origin, [batch.rows]),
      destination: new ort.Tensor('int32', batch.destination, [batch.rows]),
    })
}

/** Single-row and 1,000-row latency of each runtime on the fp32 and int8 model, plus sizes and quality. */
export async function benchRuntimes(m: ModelUnderTest, runs: number): Promise<string[]> {
  ortWeb.env.wasm.numThreads = 1
  const one = encodeFlights(m.flights.slice(0, 1), m.encoder)
  const thousand = encodeFlights(m.flights.slice(0, 1000), m.encoder)
  const lines = [`runtimes — ${m.label}`]
  if (m.manifest) {
    const x = m.manifest.metrics
    lines.push(
      row('size fp32 / int8 (bytes)', m.fp32.byteLength, m.int8.byteLength, `${fmt((100 * m.int8.byteLength) / m.fp32.byteLength, 0)}%`),
    )
    lines.push(
      row(
        'validation AUC fp32 / int8',
        fmt(m.manifest.parity.auc_fp32, 4),
        fmt(m.manifest.parity.auc_int8, 4),
        `baseline ${fmt(x.baseline_auc, 4)}`,
      ),
    )
  } else {
    lines.push(
      row('size fp32 / int8 (bytes)', m.fp32.byteLength, m.int8.byteLength, `${fmt((100 * m.int8.byteLength) / m.fp32.byteLength, 0)}%`),
    )
  }
  lines.push(row('µs per call (median / p99)', '1 row', '1 row p99', '1000 rows', 'µs/row @1000'))
  const single: Record<string, number> = {}
  const perRow: Record<string, number> = {}
  for (const [precision, bytes] of [
    ['fp32', m.fp32],
    ['int8', m.int8],
  ] as const) {
    const ts = createTsEvaluator(bytes)
    const mlp = createMlpEvaluator(bytes)
    const before = createRowAtATimeMlp(bytes)
    const node = await ortRunner(ortNode, bytes, { graphOptimizationLevel: 'basic' })
    const web = await ortRunner(ortWeb, bytes, {})
    const runners: [string, (b: typeof one) => unknown][] = [
      ['ts engine', (b) => mlp.run({ numeric: b.numeric, origin: b.origin, destination: b.destination }, b.rows)],
      ['ts engine before (baseline)', (b) => before({ numeric: b.numeric, origin: b.origin, destination: b.destination }, b.rows)],
      ['ts general evaluator', (b) => ts.run({ numeric: b.numeric, origin: b.origin, destination: b.destination }, b.rows)],
      ['onnxruntime-node', node],
      ['onnxruntime-web (wasm)', web],
    ]
    for (const [name, run] of runners) {
      const times = await timeCalls(() => run(one), runs)
      const batch = await timeCalls(() => run(thousand), Math.max(20, runs / 50), 5)
      single[`${name} ${precision}`] = percentile(times, 50)
      perRow[`${name} ${precision}`] = percentile(batch, 50) / 1000
      lines.push(
        row(
          `${name} ${precision}`,
          fmt(percentile(times, 50)),
          fmt(percentile(times, 99)),
          fmt(percentile(batch, 50)),
          fmt(percentile(batch, 50) / 1000, 2),
        ),
      )
    }
  }
  lines.push(row('ts engine int8, µs per row @1000 (floor ≤ 2)', fmt(perRow['ts engine int8'], 2)))
  for (const [label, of] of [
    ['ts engine before (baseline)', 'ts engine before (baseline) int8'],
    ['onnxruntime-web (wasm)', 'onnxruntime-web (wasm) int8'],
  ]) {
    lines.push(
      row(
        `ratio ts engine / ${label}, int8`,
        `1 row ${fmt(single['ts engine int8'] / single[of], 2)}`,
        `@1000 ${fmt(perRow['ts engine int8'] / perRow[of], 2)}`,
      ),
    )
  }
  lines.push(...(await crossover(m, runs)))
  return lines
}

/**
 * µs per row of the TS engine and onnxruntime-web (the Worker's two engines) by batch size, and the smallest
 * measured size from which ORT stays at least twice as fast: the Worker's ORT_CROSSOVER_ROWS
 * (edge-worker/src/models/engines.ts). Below it the two are within noise of each other per call, and the TS
 * engine has no wasm to compile on a cold isolate. Measured on the fp32 graph: the one the Worker serves.
 */
async function crossover(m: ModelUnderTest, runs: number): Promise<string[]> {
  const mlp = createMlpEvaluator(m.fp32)
  const web = await ortRunner(ortWeb, m.fp32, {})
  const sizes = [1, 16, 64, 128, 256, 512, 1000]
  const lines = [row('crossover (fp32, µs per row)', 'rows', 'ts engine', 'onnxruntime-web', 'faster')]
  const ortWins: boolean[] = []
  for (const rows of sizes) {
    const batch = encodeFlights(m.flights.slice(0, rows), m.encoder)
    const feeds = { numeric: batch.numeric, origin: batch.origin, destination: batch.destination }
    const calls = Math.max(20, Math.round(runs / rows))
    const ts = percentile(await timeCalls(() => mlp.run(feeds, rows), calls), 50) / rows
    const ort = percentile(await timeCalls(() => web(batch), calls), 50) / rows
    ortWins.push(2 * ort <= ts)
    lines.push(row('', rows, fmt(ts, 2), fmt(ort, 2), ort < ts ? 'ort' : 'ts'))
  }
  const from = sizes.findIndex((_, i) => ortWins.slice(i).every(Boolean))
  lines.push(row('crossover (fp32): rows from which ort is ≥ 2× faster', from < 0 ? `none up to ${sizes.at(-1)}` : sizes[from]))
  return lines
}
