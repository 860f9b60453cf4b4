import { describe, expect, it } from 'vitest'
import { newRunId } from './run-id.ts'

describe('newRunId', () => {
  it('is a UUIDv7 whose first 48 bits are the millisecond it was made', () => {
    const id = newRunId(Date.UTC(2001, 3, 1, 12))
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(Number.parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(Date.UTC(2001, 3, 1, 12))
  })

  it('sorts in the order made, within one millisecond and across a clock that goes back', () => {
    const t = Date.UTC(2030, 0, 1)
    const ids = [...Array.from({ length: 5000 }, () => newRunId(t)), newRunId(t - 1000), newRunId(t + 10_000)]
    expect([...ids].sort()).toEqual(ids)
    expect(new Set(ids).size).toBe(ids.length)
  })
})
