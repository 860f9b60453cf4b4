/** Symmetric int8 quantization (zero point 0) of a row-major [rows, cols] matrix, one scale per channel. */
export interface QuantizedMatrix {
  values: Int8Array
  /** axis 1: one per column; axis 0: one per row */
  scales: Float32Array
}

/**
 * Per-channel symmetric quantization: scale = maxabs / 127 of the channel (rows for axis 0, columns for axis 1),
 * q = round(w / scale) in [-127, 127]. All-zero channels get scale 1 so that dequantizing stays finite.
 */
export function quantizePerChannel(weights: Float32Array, rows: number, cols: number, axis: 0 | 1): QuantizedMatrix {
  if (weights.length !== rows * cols) throw new RangeError(`expected ${rows}x${cols} = ${rows * cols} weights, got ${weights.length}`)
  const scales = new Float32Array(axis === 0 ? rows : cols)
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const ch = axis === 0 ? r : c
      scales[ch] = Math.max(scales[ch], Math.abs(weights[r * cols + c]))
    }
  }
  for (let ch = 0; ch < scales.length; ch++) scales[ch] = scales[ch] > 0 ? scales[ch] / 127 : 1
  const values = new Int8Array(rows * cols)
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c
      // Divide by the stored float32 scale so that |w - q * scale| <= scale / 2 holds for what runtimes see.
      const q = Math.round(weights[i] / scales[axis === 0 ? r : c])
      values[i] = Math.max(-127, Math.min(127, q))
    }
  }
  return { values, scales }
}

/** Inverse of quantizePerChannel, in float32 like ONNX DequantizeLinear: w = q * scale. */
export function dequantize(q: QuantizedMatrix, rows: number, cols: number, axis: 0 | 1): Float32Array {
  if (q.values.length !== rows * cols) throw new RangeError(`expected ${rows}x${cols} values, got ${q.values.length}`)
  const out = new Float32Array(rows * cols)
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[r * cols + c] = q.values[r * cols + c] * q.scales[axis === 0 ? r : c]
  }
  return out
}
