import { createRequire } from 'node:module'
import path from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { type BackendWasm, setWasmPaths } from '@tensorflow/tfjs-backend-wasm'

let ready: Promise<string> | null = null

/**
 * The wasm backend has no UnsortedSegmentSum, which is the gradient of Gather: without it embeddings cannot
 * train there. This JS kernel scatters rows of `x` into `numSegments` sums; it runs once per batch on small
 * tensors ([batch, dim]), so plain loops are fast enough.
 */
function registerSegmentSumForWasm(): void {
  tf.registerKernel({
    kernelName: 'UnsortedSegmentSum',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const wasm = backend as BackendWasm
      const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo }
      const numSegments = (attrs as { numSegments: number }).numSegments
      const values = wasm.readSync(x.dataId) as Float32Array
      const ids = wasm.readSync(segmentIds.dataId) as Int32Array
      const inner = x.shape.slice(1).reduce((a, b) => a * b, 1)
      const out = new Float32Array(numSegments * inner)
      for (let i = 0; i < ids.length; i++) {
        const s = ids[i]
        if (s < 0 || s >= numSegments) continue
        for (let j = 0; j < inner; j++) out[s * inner + j] += values[i * inner + j]
      }
      return wasm.makeOutput([numSegments, ...x.shape.slice(1)], 'float32', undefined, out)
    },
  })
}

/** Selects the TF.js backend once per thread: wasm (1.5–2× faster here at batch ≥ 256), cpu as the fallback. */
export function initTensorflow(backend: 'wasm' | 'cpu' = 'wasm'): Promise<string> {
  ready ??= (async () => {
    if (backend === 'wasm') {
      const require = createRequire(import.meta.url)
      const dist = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))
      setWasmPaths(`${dist}${path.sep}`)
      // One wasm thread per trial: trials already run in parallel on worker threads.
      if (await tf.setBackend('wasm').catch(() => false)) {
        registerSegmentSumForWasm()
        return tf.getBackend()
      }
    }
    await tf.setBackend('cpu')
    return tf.getBackend()
  })()
  return ready
}

export { tf }
