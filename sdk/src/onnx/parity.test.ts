import * as ortNode from 'onnxruntime-node'
import * as ortWeb from 'onnxruntime-web'
import { afterAll, describe, expect, it } from 'vitest'
import { buildOnnxModel } from './build.ts'
import { createTsEvaluator } from './evaluator.ts'
import type { NetworkSpec, Quantization } from './model.ts'
import { maxAbsDiff, type NetworkShape, randomInputs, randomNetwork, TYPICAL } from './testing.ts'

// Both packages expose the onnxruntime-common API; this is the part the comparison uses.
type Ort = typeof ortNode | typeof ortWeb
type SessionOptions = Parameters<typeof ortNode.InferenceSession.create>[1]

ortWeb.env.wasm.numThreads = 1

const ROWS = 256
const SHAPES: [string, NetworkShape][] = [
  ['typical', TYPICAL],
  ['no embeddings', { numericWidth: 10, embeddings: [], hidden: [16] }],
  [
    'three embeddings, three hidden layers',
    { ...TYPICAL, embeddings: [...TYPICAL.embeddings, { input: 'carrier', vocab: 20, dim: 4 }], hidden: [32, 16, 8] },
  ],
]
/** A fixed-width report, printed once per runtime, that the PR description quotes. */
const report: string[] = []

async function runOrt(
  ort: Ort,
  bytes: Uint8Array,
  net: NetworkSpec,
  inputs: Record<string, Float32Array | Int32Array>,
  options: SessionOptions,
) {
  const session = await ort.InferenceSession.create(bytes, options)
  const feeds: Record<string, ortNode.Tensor> = { numeric: new ort.Tensor('float32', inputs.numeric, [ROWS, net.numericWidth]) }
  for (const e of net.embeddings) feeds[e.input] = new ort.Tensor('int32', inputs[e.input], [ROWS])
  const out = await session.run(feeds)
  expect(out.probability.dims).toEqual([ROWS, 1])
  return out.probability.data as Float32Array
}

describe.each([
  ['onnxruntime-node', ortNode as Ort],
  ['onnxruntime-web (wasm)', ortWeb as Ort],
])('TS evaluator vs %s', (runtime, ort) => {
  const worst = { fp32: 0, int8: 0, int8VsFp32: 0, int8Default: 0, int8DefaultAccuracy1: 0 }
  afterAll(() => {
    report.push(
      `${runtime}: max |TS - ORT| fp32 ${worst.fp32.toExponential(2)}, int8 ${worst.int8.toExponential(2)}; ` +
        `max |int8 - fp32| ${worst.int8VsFp32.toExponential(2)}; ORT default optimizer on int8: ${worst.int8Default.toExponential(2)}, ` +
        `with qdq_matmulnbits_accuracy_level 1: ${worst.int8DefaultAccuracy1.toExponential(2)}`,
    )
  })

  for (const [label, shape] of SHAPES) {
    for (const seed of [1, 2]) {
      it(`${label}, seed ${seed}`, async () => {
        const net = randomNetwork(seed, shape)
        const inputs = randomInputs(seed + 100, net, ROWS)
        const outputs = {} as Record<Quantization, Float32Array>
        for (const quantization of ['fp32', 'int8'] as const) {
          const bytes = buildOnnxModel(net, { quantization, metadata: {} })
          const ours = createTsEvaluator(bytes).run(inputs, ROWS)
          const theirs = await runOrt(ort, bytes, net, inputs, { graphOptimizationLevel: 'basic' })
          const diff = maxAbsDiff(ours, theirs)
          expect(diff).toBeLessThanOrEqual(1e-5)
          worst[quantization] = Math.max(worst[quantization], diff)
          outputs[quantization] = ours
          if (quantization === 'int8') {
            const optimized = await runOrt(ort, bytes, net, inputs, {})
            worst.int8Default = Math.max(worst.int8Default, maxAbsDiff(ours, optimized))
            const accurate = await runOrt(ort, bytes, net, inputs, { extra: { session: { qdq_matmulnbits_accuracy_level: '1' } } })
            worst.int8DefaultAccuracy1 = Math.max(worst.int8DefaultAccuracy1, maxAbsDiff(ours, accurate))
          }
        }
        const int8VsFp32 = maxAbsDiff(outputs.fp32, outputs.int8)
        expect(int8VsFp32).toBeLessThan(0.02)
        worst.int8VsFp32 = Math.max(worst.int8VsFp32, int8VsFp32)
      }, 30_000) // the first onnxruntime-web call compiles its wasm: seconds on a busy machine
    }
  }
})

describe('int8 file size', () => {
  it('is at most 35% of fp32 for the typical MLP', () => {
    const net = randomNetwork(1)
    const metadata = { tarmac_run: 'run-0001', features: 'v1' }
    const fp32 = buildOnnxModel(net, { quantization: 'fp32', metadata }).length
    const int8 = buildOnnxModel(net, { quantization: 'int8', metadata }).length
    report.push(`typical MLP: fp32 ${fp32} bytes, int8 ${int8} bytes (${((100 * int8) / fp32).toFixed(1)}%)`)
    expect(int8 / fp32).toBeLessThanOrEqual(0.35)
  })
})

afterAll(() => console.log(report.join('\n')))
