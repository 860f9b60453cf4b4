import { describe, expect, it } from 'vitest'
import { dequantize, quantizePerChannel } from './quantize.ts'
import { mulberry32 } from './testing.ts'

function randomMatrix(seed: number, rows: number, cols: number): Float32Array {
  const rand = mulberry32(seed)
  // Columns and rows of very different magnitudes, so a per-tensor scale would be visibly worse.
  return Float32Array.from({ length: rows * cols }, (_, i) => (rand() * 2 - 1) * 10 ** ((i % cols) - 2) * (1 + Math.floor(i / cols)))
}

describe('quantizePerChannel', () => {
  for (const axis of [0, 1] as const) {
    it(`round-trips within half a step per element (axis ${axis})`, () => {
      const rows = 7
      const cols = 5
      const w = randomMatrix(axis + 1, rows, cols)
      const q = quantizePerChannel(w, rows, cols, axis)
      const back = dequantize(q, rows, cols, axis)
      expect(q.scales.length).toBe(axis === 0 ? rows : cols)
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++) {
          // the channel's scale, recomputed here from its own max |w|
          let maxAbs = 0
          for (let k = 0; k < (axis === 0 ? cols : rows); k++)
            maxAbs = Math.max(maxAbs, Math.abs(axis === 0 ? w[r * cols + k] : w[k * cols + c]))
          const scale = maxAbs / 127
          expect(q.scales[axis === 0 ? r : c]).toBeCloseTo(scale, 6)
          const i = r * cols + c
          expect(Math.abs(q.values[i])).toBeLessThanOrEqual(127)
          // half a step, plus the float32 rounding of q * scale
          expect(Math.abs(back[i] - w[i])).toBeLessThanOrEqual(scale * (0.5 + 1e-5))
        }
      }
    })
  }

  it('maps each channel extreme to ±127', () => {
    const q = quantizePerChannel(Float32Array.from([1, -4, -0.25, 3]), 2, 2, 1)
    expect(Array.from(q.values)).toEqual([127, -127, -32, 95])
    expect(Array.from(q.scales)).toEqual([Math.fround(1 / 127), Math.fround(4 / 127)])
  })

  it('keeps all-zero channels finite', () => {
    const q = quantizePerChannel(Float32Array.from([0, 3, 0, -3]), 2, 2, 1)
    expect(q.scales[0]).toBe(1)
    expect(Array.from(dequantize(q, 2, 2, 1))).toEqual([0, 3, 0, -3])
  })

  it('rejects a size mismatch', () => {
    expect(() => quantizePerChannel(new Float32Array(5), 2, 3, 0)).toThrow(/expected 2x3/)
  })
})
