import { describe, expect, it } from 'vitest'
import { syntheticSplit } from '../testing/splits.ts'
import { packValue, unpackValue } from './pack.ts'

describe('packed values (what the shared artifact directory holds)', () => {
  it('round-trips typed arrays of every kind, nested, with odd lengths', () => {
    const value = {
      split: syntheticSplit(7, 3),
      nested: [{ f64: Float64Array.of(Math.PI, -0), u32: Uint32Array.of(1, 2, 3) }],
      empty: new Float32Array(0),
      plain: { a: 1, b: 'two', c: [null, true] },
    }
    const back = unpackValue<typeof value>(packValue(value))
    expect(back).toEqual(value)
    expect(back.split.numeric).toBeInstanceOf(Float32Array)
    expect(back.split.origin).toBeInstanceOf(Int32Array)
    expect(back.nested[0].f64).toBeInstanceOf(Float64Array)
  })

  it('is deterministic, so the same split gets the same content address', () => {
    expect(packValue(syntheticSplit(50, 1))).toEqual(packValue(syntheticSplit(50, 1)))
  })

  it('refuses bytes that are not a packed value', () => {
    expect(() => unpackValue(new TextEncoder().encode('{"rows":1}'))).toThrow('not a packed tarmac value')
  })
})
