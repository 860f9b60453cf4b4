import { NUMERIC_FEATURES } from '@tarmac/sdk/features'
import { buildOnnxModel, createTsEvaluator } from '@tarmac/sdk/onnx'
import { seededRandom } from '@tarmac/sdk/random'
import * as ort from 'onnxruntime-node'
import { describe, expect, it } from 'vitest'
import { trialConfigSchema } from './family.ts'
import { buildModel, toNetworkSpec } from './network.ts'
import { initTensorflow, tf } from './tf.ts'

const width = NUMERIC_FEATURES.length
const rows = 64
const rand = seededRandom(9)
// features at the scale the encoder emits: rate logits reach ±9
const numeric = Float32Array.from({ length: rows * width }, () => (rand() * 2 - 1) * 9)
const origin = Int32Array.from({ length: rows }, () => Math.floor(rand() * 30))
const destination = Int32Array.from({ length: rows }, () => Math.floor(rand() * 30))

async function compare(config: Record<string, unknown>) {
  await initTensorflow()
  const shape = { numericWidth: width, vocab: 30 }
  const model = buildModel(trialConfigSchema.parse(config), shape)
  const inputs =
    model.inputs.length === 1
      ? [tf.tensor2d(numeric, [rows, width])]
      : [tf.tensor2d(numeric, [rows, width]), tf.tensor2d(origin, [rows, 1], 'int32'), tf.tensor2d(destination, [rows, 1], 'int32')]
  const expected = (model.predict(inputs) as tf.Tensor).dataSync() as Float32Array
  const bytes = buildOnnxModel(toNetworkSpec(model, shape), { quantization: 'fp32', metadata: {} })
  const session = await ort.InferenceSession.create(bytes)
  const feeds: Record<string, ort.Tensor> = { numeric: new ort.Tensor('float32', numeric, [rows, width]) }
  if (session.inputNames.includes('origin')) {
    feeds.origin = new ort.Tensor('int32', origin, [rows])
    feeds.destination = new ort.Tensor('int32', destination, [rows])
  }
  const viaOrt = (await session.run(feeds)).probability.data as Float32Array
  const viaTs = createTsEvaluator(bytes).run({ numeric, origin, destination }, rows)
  tf.dispose(inputs)
  model.dispose()
  const maxDiff = (a: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - expected[i])), 0)
  return {
    ort: maxDiff(viaOrt),
    ts: maxDiff(viaTs),
    spread: Math.max(...expected) - Math.min(...expected),
    ops: createTsEvaluator(bytes).ops,
  }
}

describe('TF.js layers exported to ONNX give TF.js outputs', () => {
  it.each([
    ['Dense + sigmoid (logistic regression)', { family: 'logreg' }, ['Gemm', 'Sigmoid']],
    ['Embedding → Gather, Concatenate, Dense + ReLU', { family: 'mlp', hidden: [16] }, ['Gather', 'Concat', 'Gemm', 'Relu', 'Sigmoid']],
    ['several hidden layers', { family: 'mlp', hidden: [32, 16, 8], embeddingDim: 4 }, ['Gather', 'Concat', 'Gemm', 'Relu', 'Sigmoid']],
  ])('%s', async (_name, config, ops) => {
    const r = await compare({ seed: 5, ...config })
    expect(r.spread).toBeGreaterThan(0.01) // the random model is not constant, so agreement means something
    expect(r.ort).toBeLessThanOrEqual(1e-5)
    expect(r.ts).toBeLessThanOrEqual(1e-5)
    expect(new Set(r.ops)).toEqual(new Set(ops))
  })
})
