import type { DenseLayer, NetworkSpec } from '@tarmac/sdk/onnx'
import type { TrialConfig } from './family.ts'
import { tf } from './tf.ts'

export interface NetworkShape {
  numericWidth: number
  vocab: number
}

export const EMBEDDED_INPUTS = ['origin', 'destination'] as const

/** Builds a seeded TF.js model: every initializer gets its own seed, so the same config gives the same weights. */
export function buildModel(config: TrialConfig, shape: NetworkShape): tf.LayersModel {
  const numeric = tf.input({ shape: [shape.numericWidth], name: 'numeric' })
  const inputs: tf.SymbolicTensor[] = [numeric]
  const parts: tf.SymbolicTensor[] = [numeric]
  const regularizer = config.l2 > 0 ? tf.regularizers.l2({ l2: config.l2 }) : undefined
  let seed = config.seed * 1000
  if (config.family === 'mlp') {
    for (const name of EMBEDDED_INPUTS) {
      const input = tf.input({ shape: [1], name, dtype: 'int32' })
      const embedded = tf.layers
        .embedding({
          inputDim: shape.vocab,
          outputDim: config.embeddingDim,
          embeddingsInitializer: tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed: seed++ }),
          name: `${name}_embedding`,
        })
        .apply(input) as tf.SymbolicTensor
      inputs.push(input)
      parts.push(tf.layers.flatten({ name: `${name}_flatten` }).apply(embedded) as tf.SymbolicTensor)
    }
  }
  let x = parts.length > 1 ? (tf.layers.concatenate({ axis: 1, name: 'concat' }).apply(parts) as tf.SymbolicTensor) : numeric
  const hidden = config.family === 'mlp' ? config.hidden : []
  hidden.forEach((units, i) => {
    x = tf.layers
      .dense({
        units,
        activation: 'relu',
        kernelInitializer: tf.initializers.glorotUniform({ seed: seed++ }),
        kernelRegularizer: regularizer,
        name: `dense_${i}`,
      })
      .apply(x) as tf.SymbolicTensor
  })
  const output = tf.layers
    .dense({
      units: 1,
      activation: 'sigmoid',
      kernelInitializer: tf.initializers.glorotUniform({ seed: seed++ }),
      kernelRegularizer: regularizer,
      name: 'probability',
    })
    .apply(x) as tf.SymbolicTensor
  const model = tf.model({ inputs, outputs: output })
  model.compile({ optimizer: tf.train.adam(config.learningRate), loss: 'binaryCrossentropy' })
  return model
}

/** The trained weights as a runtime-neutral network description: what the ONNX exporter reads. */
export function toNetworkSpec(model: tf.LayersModel, shape: NetworkShape): NetworkSpec {
  const embeddings = EMBEDDED_INPUTS.flatMap((name) => {
    const layer = model.layers.find((l) => l.name === `${name}_embedding`)
    if (!layer) return []
    const [table] = layer.getWeights()
    const [vocab, dim] = table.shape
    return [{ input: name, vocab, dim, table: table.dataSync() as Float32Array }]
  })
  const layers: DenseLayer[] = model.layers
    .filter((l) => l.getClassName() === 'Dense')
    .map((l) => {
      const [kernel, bias] = l.getWeights()
      const [inputs, units] = kernel.shape
      const activation = (l.getConfig().activation as string) === 'relu' ? 'relu' : 'sigmoid'
      return { inputs, units, weights: kernel.dataSync() as Float32Array, bias: bias.dataSync() as Float32Array, activation }
    })
  return { numericWidth: shape.numericWidth, embeddings, layers }
}
