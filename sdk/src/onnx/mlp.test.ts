import * as ort from 'onnxruntime-node'
import { describe, expect, it } from 'vitest'
import { createTsEngine } from '../engine/ts.ts'
import { buildOnnxModel } from './build.ts'
import { OnnxInputError, UnsupportedOpError } from './errors.ts'
import { createTsEvaluator } from './evaluator.ts'
import { createMlpEvaluator } from './mlp.ts'
import type { NetworkSpec } from './model.ts'
import { graphModel, maxAbsDiff, type NetworkShape, randomInputs, randomNetwork, TYPICAL } from './testing.ts'

// not a multiple of the kernel's block of four rows: the last row runs alone
const ROWS = 301
const SHAPES: [string, NetworkShape][] = [
  ['typical', TYPICAL],
  ['the default trainer shape (128, 64)', { ...TYPICAL, hidden: [128, 64] }],
  ['no embeddings', { numericWidth: 10, embeddings: [], hidden: [16] }],
  [
    'three embeddings, odd widths',
    { numericWidth: 7, embeddings: [...TYPICAL.embeddings, { input: 'carrier', vocab: 20, dim: 3 }], hidden: [33, 5] },
  ],
]

async function onnxruntime(bytes: Uint8Array, net: NetworkSpec, inputs: Record<string, Float32Array | Int32Array>): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'basic' })
  const feeds: Record<string, ort.Tensor> = { numeric: new ort.Tensor('float32', inputs.numeric, [ROWS, net.numericWidth]) }
  for (const e of net.embeddings) feeds[e.input] = new ort.Tensor('int32', inputs[e.input], [ROWS])
  return (await session.run(feeds)).probability.data as Float32Array
}

describe('fused MLP evaluator', () => {
  for (const [label, shape] of SHAPES) {
    it(`equals onnxruntime-node within 1e-6, fp32 and int8: ${label}`, async () => {
      const net = randomNetwork(7, shape)
      const inputs = randomInputs(8, net, ROWS)
      for (const quantization of ['fp32', 'int8'] as const) {
        const bytes = buildOnnxModel(net, { quantization, metadata: {} })
        const ours = createMlpEvaluator(bytes).run(inputs, ROWS)
        expect(maxAbsDiff(ours, await onnxruntime(bytes, net, inputs))).toBeLessThanOrEqual(1e-6)
      }
    })
  }

  it('gives a row the same answer alone as inside a batch (no state leaks between rows or calls)', () => {
    const net = randomNetwork(3)
    const bytes = buildOnnxModel(net, { quantization: 'int8', metadata: {} })
    const ev = createMlpEvaluator(bytes)
    const inputs = randomInputs(4, net, ROWS)
    const batch = ev.run(inputs, ROWS)
    for (const r of [0, 17, ROWS - 1]) {
      const one = {
        numeric: inputs.numeric.subarray(r * 24, r * 24 + 24),
        origin: inputs.origin.subarray(r, r + 1),
        destination: inputs.destination.subarray(r, r + 1),
      }
      expect(ev.run(one, 1)[0]).toBe(batch[r])
    }
  })

  it('refuses bad inputs by name, as the general evaluator does', () => {
    const net = randomNetwork(3)
    const ev = createMlpEvaluator(buildOnnxModel(net, { quantization: 'fp32', metadata: {} }))
    const inputs = randomInputs(4, net, 2)
    expect(() => ev.run({ ...inputs, origin: Int32Array.of(0, 300) }, 2)).toThrow(/input 'origin' row 1: index 300 is outside/)
    expect(() => ev.run({ ...inputs, numeric: new Float32Array(3) }, 2)).toThrow(OnnxInputError)
    expect(() => ev.run({ numeric: inputs.numeric }, 2)).toThrow(/input 'origin'/)
  })

  it('refuses a graph of another shape, and the TS engine then runs it with the general evaluator', async () => {
    // Add of two activations: a valid graph of supported ops that is not the exporter's MLP
    const bytes = graphModel(
      [{ opType: 'Add', domain: '', name: 'y', inputs: ['numeric', 'numeric'], outputs: ['y'], attributes: [] }],
      [],
      [{ name: 'numeric', dtype: 'float32', shape: ['N', 1], docString: '' }],
      1,
    )
    expect(() => createMlpEvaluator(bytes)).toThrow(UnsupportedOpError)
    const engine = createTsEngine(bytes)
    const batch = { rows: 2, numeric: Float32Array.of(1, 2), origin: new Int32Array(2), destination: new Int32Array(2) }
    expect(Array.from(await engine.run(batch))).toEqual(Array.from(createTsEvaluator(bytes).run({ numeric: batch.numeric }, 2)))
  })
})
