import { NUMERIC_FEATURES } from '@tarmac/sdk/features'
import type * as OrtCommon from 'onnxruntime-common'
import * as ortNode from 'onnxruntime-node'

/** The encoded rows a parity check feeds every runtime. */
export interface ParityRows {
  rows: number
  numeric: Float32Array
  origin: Int32Array
  destination: Int32Array
}

type Ort = typeof OrtCommon

async function runWith(
  ort: Ort,
  bytes: Uint8Array,
  rows: ParityRows,
  options: OrtCommon.InferenceSession.SessionOptions,
): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes, options)
  try {
    const feeds: Record<string, OrtCommon.Tensor> = {
      numeric: new ort.Tensor('float32', rows.numeric, [rows.rows, NUMERIC_FEATURES.length]),
    }
    if (session.inputNames.includes('origin')) feeds.origin = new ort.Tensor('int32', rows.origin, [rows.rows])
    if (session.inputNames.includes('destination')) feeds.destination = new ort.Tensor('int32', rows.destination, [rows.rows])
    const out = await session.run(feeds)
    return Float32Array.from(out.probability.data as Float32Array)
  } finally {
    await session.release()
  }
}

/**
 * onnxruntime-node, with the accuracy level that keeps its optimizer from rewriting int8 weight-only
 * MatMuls into MatMulNBits (which would also quantize activations and drift off the spec).
 */
export function runOrtNode(bytes: Uint8Array, rows: ParityRows): Promise<Float32Array> {
  return runWith(ortNode as unknown as Ort, bytes, rows, { extra: { session: { qdq_matmulnbits_accuracy_level: '1' } } })
}

let ortWeb: Promise<Ort> | null = null

/** onnxruntime-web's wasm build, the runtime of the browser and the Worker, run here in Node. */
export async function runOrtWeb(bytes: Uint8Array, rows: ParityRows): Promise<Float32Array> {
  ortWeb ??= import('onnxruntime-web/wasm').then((m) => {
    const ort = m as unknown as Ort
    ort.env.wasm.numThreads = 1
    return ort
  })
  return runWith(await ortWeb, bytes, rows, {})
}
