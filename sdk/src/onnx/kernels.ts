import { OnnxInputError } from './errors.ts'

// Plain loops over typed arrays, float64 accumulation, one float32 rounding per output element (on store).

/**
 * out[rows, m] = alpha * a[rows, k] · bt[m, k]ᵀ + bias[m]; bt is B pre-transposed so the inner loop is contiguous,
 * and float64 so loads need no conversion. Four accumulators break the add latency chain (~3x faster in V8).
 */
export function gemm(
  a: Float32Array,
  k: number,
  bt: Float64Array,
  m: number,
  bias: Float64Array | null,
  alpha: number,
  out: Float32Array,
  rows: number,
): void {
  for (let r = 0; r < rows; r++) {
    const ar = r * k
    const or = r * m
    for (let j = 0; j < m; j++) {
      const bj = j * k
      let s0 = 0
      let s1 = 0
      let s2 = 0
      let s3 = 0
      let i = 0
      for (; i + 3 < k; i += 4) {
        s0 += a[ar + i] * bt[bj + i]
        s1 += a[ar + i + 1] * bt[bj + i + 1]
        s2 += a[ar + i + 2] * bt[bj + i + 2]
        s3 += a[ar + i + 3] * bt[bj + i + 3]
      }
      for (; i < k; i++) s0 += a[ar + i] * bt[bj + i]
      const acc = s0 + s1 + (s2 + s3)
      out[or + j] = bias === null ? alpha * acc : alpha * acc + bias[j]
    }
  }
}

/** out[rows, dim] = table[idx[r]]; ONNX allows negative indices counted from the end. */
export function gather(
  table: Float32Array,
  vocab: number,
  dim: number,
  idx: Int32Array,
  input: string,
  out: Float32Array,
  rows: number,
): void {
  for (let r = 0; r < rows; r++) {
    let i = idx[r]
    if (i < 0) i += vocab
    if (i < 0 || i >= vocab) {
      throw new OnnxInputError(`input '${input}' row ${r}: index ${idx[r]} is outside the vocabulary [0, ${vocab})`)
    }
    const src = i * dim
    const dst = r * dim
    for (let d = 0; d < dim; d++) out[dst + d] = table[src + d]
  }
}

/** Concatenation along axis 1 of [rows, widths[i]] matrices. */
export function concat(parts: Float32Array[], widths: number[], out: Float32Array, rows: number): void {
  let offset = 0
  const total = widths.reduce((a, b) => a + b, 0)
  for (let p = 0; p < parts.length; p++) {
    const src = parts[p]
    const w = widths[p]
    for (let r = 0; r < rows; r++) {
      const s = r * w
      const d = r * total + offset
      for (let c = 0; c < w; c++) out[d + c] = src[s + c]
    }
    offset += w
  }
}

/** out[rows, width] = x + c, c either a [width] row broadcast over rows or, when c.length is 1, a scalar. */
export function addRow(x: Float32Array, c: Float32Array, width: number, out: Float32Array, rows: number): void {
  const scalar = c.length === 1
  for (let r = 0; r < rows; r++) {
    const o = r * width
    for (let j = 0; j < width; j++) out[o + j] = x[o + j] + (scalar ? c[0] : c[j])
  }
}

export function add(a: Float32Array, b: Float32Array, out: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) out[i] = a[i] + b[i]
}

export function relu(x: Float32Array, out: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) out[i] = Math.max(x[i], 0)
}

export function sigmoid(x: Float32Array, out: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) out[i] = 1 / (1 + Math.exp(-x[i]))
}

/**
 * ONNX DequantizeLinear, y = (x - zeroPoint) * scale in float32: per-tensor when scale has one element,
 * otherwise per-axis with scale (and zeroPoint) indexed along `axis` of `dims`.
 */
export function dequantizeLinear(
  x: ArrayLike<number>,
  dims: readonly number[],
  scale: Float32Array,
  zeroPoint: ArrayLike<number> | null,
  axis: number,
): Float32Array {
  const out = new Float32Array(x.length)
  // Elements sharing a channel come in runs of `inner`, and channels repeat every `channels * inner`.
  const channels = scale.length === 1 ? 1 : dims[axis]
  const inner = scale.length === 1 ? x.length : dims.slice(axis + 1).reduce((a, b) => a * b, 1)
  for (let i = 0; i < x.length; i++) {
    const ch = Math.floor(i / inner) % channels
    out[i] = (x[i] - (zeroPoint === null ? 0 : zeroPoint[ch])) * scale[ch]
  }
  return out
}
