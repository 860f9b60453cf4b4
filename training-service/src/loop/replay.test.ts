import { describe, expect, it } from 'vitest'
import { replaysRoute } from './replay.ts'

describe('replay sampling', () => {
  const airports = Array.from({ length: 60 }, (_, i) => String.fromCharCode(65 + (i % 26), 65 + Math.floor(i / 26), 65 + ((i * 7) % 26)))
  const routes = airports.flatMap((o) => airports.filter((d) => d !== o).map((d) => [o, d] as const))

  it('sends whole routes, about one in n of them, the same ones every run', () => {
    const kept = routes.filter(([o, d]) => replaysRoute(o, d, 20))
    expect(kept.length / routes.length).toBeGreaterThan(0.04)
    expect(kept.length / routes.length).toBeLessThan(0.06)
    expect(routes.filter(([o, d]) => replaysRoute(o, d, 20))).toEqual(kept)
    // a route's direction is a different route
    expect(kept.some(([o, d]) => !replaysRoute(d, o, 20))).toBe(true)
  })

  it('sends every flight when n is 1', () => {
    expect(routes.every(([o, d]) => replaysRoute(o, d, 1))).toBe(true)
  })
})
