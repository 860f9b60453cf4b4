import type { InferenceSession, Tensor } from 'onnxruntime-web'
import type { EncodedBatch } from '../features/encoder.ts'
import type { EngineName, InferenceEngine } from './types.ts'

/** The parts of an onnxruntime-web build the engine uses; the caller picks the build and configures its env. */
export interface OrtRuntime {
  InferenceSession: { create(model: Uint8Array, options?: InferenceSession.SessionOptions): Promise<InferenceSession> }
  Tensor: typeof Tensor
}

export interface OrtEngineOptions {
  name: Extract<EngineName, 'ort-wasm' | 'ort-webgpu'>
  executionProviders: string[]
}

export async function createOrtEngine(ort: OrtRuntime, model: Uint8Array, options: OrtEngineOptions): Promise<InferenceEngine> {
  const session = await ort.InferenceSession.create(model, { executionProviders: options.executionProviders })
  return {
    name: options.name,
    async run(batch: EncodedBatch) {
      // the width the batch was encoded with: the model's own, whatever the encoder's feature list is today
      const width = batch.rows > 0 ? batch.numeric.length / batch.rows : 0
      const feeds = {
        numeric: new ort.Tensor('float32', batch.numeric, [batch.rows, width]),
        origin: new ort.Tensor('int32', batch.origin, [batch.rows]),
        destination: new ort.Tensor('int32', batch.destination, [batch.rows]),
      }
      const out = await session.run(feeds)
      const probability = out.probability
      try {
        // copy: the tensor may view wasm memory that the next run reuses
        return Float32Array.from(probability.data as Float32Array)
      } finally {
        probability.dispose()
      }
    },
  }
}
