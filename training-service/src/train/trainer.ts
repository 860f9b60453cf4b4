import { auc, logLoss } from '@tarmac/sdk/metrics'
import type { NetworkSpec } from '@tarmac/sdk/onnx'
import { seededPermutation } from '@tarmac/sdk/random'
import type { TrialConfig } from './family.ts'
import { buildModel, type NetworkShape, toNetworkSpec } from './network.ts'
import { initTensorflow, tf } from './tf.ts'

/** Encoded rows of one split with their labels (1 = delayed ≥ 15 min). */
export interface EncodedSplit {
  rows: number
  width: number
  numeric: Float32Array
  origin: Int32Array
  destination: Int32Array
  labels: Uint8Array
}

export interface EpochRecord {
  epoch: number
  trainLoss: number
  valLoss: number
  valAuc: number
  seconds: number
}

export interface TrialResult {
  config: TrialConfig
  backend: string
  net: NetworkSpec
  history: EpochRecord[]
  bestEpoch: number
  /** predictions of the best weights on the early-stopping rows */
  valPredictions: Float32Array
  seconds: number
}

/** Rows from..to of `index` (or of the split itself when index is null) as [numeric, origin, destination, labels]. */
function gather(split: EncodedSplit, index: ArrayLike<number> | null, from: number, to: number): tf.Tensor[] {
  const n = to - from
  const w = split.width
  const numeric = new Float32Array(n * w)
  const origin = new Int32Array(n)
  const destination = new Int32Array(n)
  const labels = new Float32Array(n)
  for (let i = 0; i < n; i++) {
    const r = index ? index[from + i] : from + i
    numeric.set(split.numeric.subarray(r * w, r * w + w), i * w)
    origin[i] = split.origin[r]
    destination[i] = split.destination[r]
    labels[i] = split.labels[r]
  }
  return [
    tf.tensor2d(numeric, [n, w]),
    tf.tensor2d(origin, [n, 1], 'int32'),
    tf.tensor2d(destination, [n, 1], 'int32'),
    tf.tensor2d(labels, [n, 1]),
  ]
}

function modelInputs(model: tf.LayersModel, tensors: tf.Tensor[]): tf.Tensor[] {
  return model.inputs.length === 1 ? [tensors[0]] : tensors.slice(0, 3)
}

export function predictSplit(model: tf.LayersModel, split: EncodedSplit, batch = 16384): Float32Array {
  const out = new Float32Array(split.rows)
  for (let from = 0; from < split.rows; from += batch) {
    const to = Math.min(split.rows, from + batch)
    const values = tf.tidy(() => {
      const tensors = gather(split, null, from, to)
      return (model.predict(modelInputs(model, tensors)) as tf.Tensor).dataSync() as Float32Array
    })
    out.set(values, from)
  }
  return out
}

/**
 * Trains one configuration with a seeded shuffle per epoch (TF.js' own shuffle uses Math.random) and early
 * stopping on validation log loss; the best epoch's weights are kept.
 */
export async function trainTrial(
  config: TrialConfig,
  shape: NetworkShape,
  train: EncodedSplit,
  validate: EncodedSplit,
  onEpoch?: (e: EpochRecord) => void,
): Promise<TrialResult> {
  const backend = await initTensorflow()
  const started = performance.now()
  const model = buildModel(config, shape)
  const history: EpochRecord[] = []
  let best = { loss: Number.POSITIVE_INFINITY, epoch: 0, weights: model.getWeights().map((w) => w.clone()) }
  let valPredictions: Float32Array = new Float32Array(0)
  for (let epoch = 1; epoch <= config.epochs; epoch++) {
    const epochStart = performance.now()
    const order = seededPermutation(train.rows, config.seed * 7919 + epoch)
    let lossSum = 0
    let batches = 0
    for (let from = 0; from < train.rows; from += config.batchSize) {
      const to = Math.min(train.rows, from + config.batchSize)
      const tensors = gather(train, order, from, to)
      const loss = (await model.trainOnBatch(modelInputs(model, tensors), tensors[3])) as number
      tf.dispose(tensors)
      lossSum += loss
      batches++
    }
    const predictions = predictSplit(model, validate)
    const record: EpochRecord = {
      epoch,
      trainLoss: lossSum / batches,
      valLoss: logLoss(validate.labels, predictions),
      valAuc: auc(validate.labels, predictions),
      seconds: (performance.now() - epochStart) / 1000,
    }
    history.push(record)
    onEpoch?.(record)
    if (record.valLoss < best.loss) {
      tf.dispose(best.weights)
      best = { loss: record.valLoss, epoch, weights: model.getWeights().map((w) => w.clone()) }
      valPredictions = predictions
    } else if (epoch - best.epoch > config.patience) {
      break
    }
  }
  model.setWeights(best.weights)
  const net = toNetworkSpec(model, shape)
  tf.dispose(best.weights)
  model.dispose()
  return { config, backend, net, history, bestEpoch: best.epoch, valPredictions, seconds: (performance.now() - started) / 1000 }
}
