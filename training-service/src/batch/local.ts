import { type EncoderSpec, encodeFlights, type FlightRecord, fromRecord, NUMERIC_FEATURES, type ServingEncoder } from '@tarmac/sdk/features'
import * as ort from 'onnxruntime-node'

/** Probabilities of a batch of valid records and whether each reaches the model's threshold. */
export interface Scored {
  probabilities: ArrayLike<number>
  delayed: ArrayLike<boolean>
}

/** What offline scoring needs of a model: its fp32 graph, its encoder and its decision threshold. */
export interface ScoringModel {
  /** e.g. flight-delay@3 */
  label: string
  fp32: Uint8Array
  encoder: EncoderSpec | ServingEncoder
  threshold: number
}

export interface Scorer {
  /** the model version that answers, e.g. flight-delay@3 (or the Worker's, once it answered) */
  describe(): string
  score(records: FlightRecord[]): Promise<Scored>
  close(): Promise<void>
}

/**
 * onnxruntime-node over the fp32 model, one session for the whole file, with the session options of
 * export/onnx-runtimes.ts so its probabilities are those of the parity checks.
 */
export async function createLocalScorer(model: ScoringModel): Promise<Scorer> {
  const session = await ort.InferenceSession.create(model.fp32, { extra: { session: { qdq_matmulnbits_accuracy_level: '1' } } })
  const embedded = session.inputNames.includes('origin')
  return {
    describe: () => model.label,
    async score(records) {
      const batch = encodeFlights(records.map(fromRecord), model.encoder)
      const feeds: Record<string, ort.Tensor> = {
        numeric: new ort.Tensor('float32', batch.numeric, [batch.rows, NUMERIC_FEATURES.length]),
      }
      if (embedded) {
        feeds.origin = new ort.Tensor('int32', batch.origin, [batch.rows])
        feeds.destination = new ort.Tensor('int32', batch.destination, [batch.rows])
      }
      const out = await session.run(feeds)
      const probabilities = out.probability.data as Float32Array
      return { probabilities, delayed: Array.from(probabilities, (p) => p >= model.threshold) }
    },
    close: () => session.release(),
  }
}
