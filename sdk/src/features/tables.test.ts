import { describe, expect, it } from 'vitest'
import { seededRandom } from '../random.ts'
import { servedSpec, syntheticFlights } from '../testing.ts'
import { encodeFlights, type Flight } from './encoder.ts'
import { fitEncoder, SIZE_TARGET_MIN_CELL_COUNT } from './fit.ts'
import { CELL_NAMES } from './keys.ts'
import { servingEncoder } from './serving.ts'
import { CellTablesFormatError, openCellTables, packCellTables, SHARD_CELLS, ShardNotOpenError, tableSizes } from './tables.ts'

const train = syntheticFlights(10_000, 31)
const { spec } = fitEncoder(train.flights, train.labels, { minAirportCount: 10, minCellCount: 2 })
const packed = await packCellTables(spec.cells)
const { cells, ...params } = spec
const manifestEncoder = { ...params, cells: tableSizes(cells) }
const shardSource = { origins: Object.keys(packed.shards), read: async (o: string) => packed.shards[o] }

/** Later flights of the same airports, plus airports and minutes the tables never saw. */
function validationLike(n: number): Flight[] {
  const r = seededRandom(5)
  const later = syntheticFlights(n, 77).flights.map((f) => ({ ...f, departureMs: f.departureMs + 90 * 86_400_000 }))
  for (let i = 0; i < n / 10; i++) later[Math.floor(r() * n)].origin = 'XYZ'
  later.push({ origin: '', destination: '', departureMs: 0, distance: 1 })
  return later
}

/** Bytes of two feature arrays that differ (NaN and -0 included), counted rather than diffed: they are long. */
function differingBytes(x: Float32Array, y: Float32Array): number {
  const a = new Uint8Array(x.buffer)
  const b = new Uint8Array(y.buffer)
  let differing = Math.abs(a.length - b.length)
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) differing++
  return differing
}

describe('cell tables blobs', () => {
  it('encodes validation-like rows to the same bits as the JSON tables, unseen airports and cells included', async () => {
    const flights = validationLike(5_000)
    const json = encodeFlights(flights, spec)
    const { encoder, fetched } = await servedSpec(spec)
    await encoder.prepare(flights)
    const binary = encodeFlights(flights, encoder)
    expect(differingBytes(binary.numeric, json.numeric)).toBe(0)
    expect(binary.origin.every((v, i) => v === json.origin[i]) && binary.destination.every((v, i) => v === json.destination[i])).toBe(true)
    // each origin's shard fetched once; the unknown origins have none to fetch
    expect(fetched.sort()).toEqual([...new Set(fetched)].sort())
    expect(fetched).not.toContain('XYZ')
  })

  it('opens only the shards of the origins it predicts for, and refuses to guess for one not opened', async () => {
    const { encoder, fetched } = await servedSpec(spec)
    const flights = validationLike(500)
    const one = flights.filter((f) => f.origin === flights[0].origin)
    await encoder.prepare(one)
    expect(fetched).toEqual([flights[0].origin])
    expect(differingBytes(encodeFlights(one, encoder).numeric, encodeFlights(one, spec).numeric)).toBe(0)
    const other = flights.find((f) => f.origin !== flights[0].origin && f.origin in packed.shards) as Flight
    expect(() => encodeFlights([other], encoder)).toThrow(ShardNotOpenError)
    // an origin the tables never saw answers as the JSON does, with no shard at all
    const unknown = [{ ...other, origin: 'XYZ' }]
    await encoder.prepare(unknown)
    expect(differingBytes(encodeFlights(unknown, encoder).numeric, encodeFlights(unknown, spec).numeric)).toBe(0)
    expect(fetched).toEqual([flights[0].origin])
  })

  it('keeps that parity with the size-target minimums, whose flight table is empty', async () => {
    const small = fitEncoder(train.flights, train.labels, { minAirportCount: 10, minCellCount: SIZE_TARGET_MIN_CELL_COUNT }).spec
    expect(Object.keys(small.cells.flight)).toHaveLength(0)
    expect(Object.keys(small.cells.route_hour).length).toBeLessThan(Object.keys(spec.cells.route_hour).length)
    const { encoder } = await servedSpec(small)
    const flights = validationLike(2_000)
    await encoder.prepare(flights)
    expect(differingBytes(encodeFlights(flights, encoder).numeric, encodeFlights(flights, small).numeric)).toBe(0)
  }, 20_000)

  it('answers every stored key with its stat and reads keys back as cellKeys spells them', async () => {
    const tables = await openCellTables(packed.global)
    for (const origin of tables.origins) await tables.openShard(origin, packed.shards[origin])
    for (const cell of CELL_NAMES) {
      const stored = Object.entries(spec.cells[cell])
      expect(stored.length).toBeGreaterThan(0)
      for (const [key, stat] of stored) expect(tables.lookup(cell, key, 0)).toEqual(stat)
      expect(tables.keys(cell).sort()).toEqual(Object.keys(spec.cells[cell]).sort())
    }
  })

  it('never matches a key spelled differently from cellKeys, or of another cell', async () => {
    const tables = await openCellTables(packed.global)
    for (const origin of tables.origins) await tables.openShard(origin, packed.shards[origin])
    const [hourKey] = Object.keys(spec.cells.origin_hour).filter((k) => k.endsWith('@07'))
    expect(tables.lookup('origin_hour', hourKey, 0)).toBeDefined()
    expect(tables.lookup('origin_hour', hourKey.replace('@07', '@7'), 0)).toBeUndefined()
    const [flightKey] = Object.keys(spec.cells.flight)
    const minute = flightKey.split('@')[1]
    expect(tables.lookup('flight', flightKey.replace(`@${minute}`, `@0${minute}`), 0)).toBeUndefined()
    expect(tables.lookup('route', flightKey, 0)).toBeUndefined()
    expect(tables.lookup('origin', 'ATL-BOS', 0)).toBeUndefined()
  })

  it('is deterministic, compact, shards exactly the origin tables, and opens from a view at any offset', async () => {
    expect(await packCellTables(spec.cells)).toEqual(packed)
    const json = new TextEncoder().encode(JSON.stringify(spec.cells)).length
    const total = packed.global.length + Object.values(packed.shards).reduce((n, s) => n + s.length, 0)
    expect(total).toBeLessThan(json / 4)
    const origins = new Set(SHARD_CELLS.flatMap((c) => Object.keys(spec.cells[c]).map((k) => k.split('-')[0])))
    expect(Object.keys(packed.shards).sort()).toEqual([...origins].sort())
    const shifted = new Uint8Array(packed.global.length + 3)
    shifted.set(packed.global, 3)
    const tables = await openCellTables(shifted.subarray(3))
    const [key, stat] = Object.entries(spec.cells.route)[0]
    expect(tables.lookup('route', key, 0)).toEqual(stat)
  })

  it('refuses a damaged blob, a shard of another origin or version, or an old format with a clear error', async () => {
    const blob = packed.global
    await expect(openCellTables(blob.subarray(0, 7))).rejects.toThrow(/too short/)
    const bad = blob.slice()
    bad[0] = 0
    await expect(openCellTables(bad)).rejects.toThrow(/bad magic/)
    const old = blob.slice()
    old[4] = 2
    await expect(openCellTables(old)).rejects.toThrow(/format 2, this encoder reads format 3/)
    await expect(openCellTables(blob.subarray(0, blob.length - 16))).rejects.toThrow(CellTablesFormatError)
    const damaged = blob.slice()
    damaged[damaged.length >> 1] ^= 0xff
    await expect(openCellTables(damaged)).rejects.toThrow(CellTablesFormatError)
    const [first, second] = Object.keys(packed.shards)
    await expect(openCellTables(packed.shards[first])).rejects.toThrow(/a shard blob where the global one belongs/)
    const tables = await openCellTables(blob)
    await expect(tables.openShard(first, packed.shards[second])).rejects.toThrow(`not the shard of ${first} (${second})`)
    const other = await packCellTables({ ...spec.cells, origin: { ...spec.cells.origin, [first]: [0, 1] } })
    await expect(tables.openShard(first, other.shards[first])).rejects.toThrow(/belongs to another global blob/)
    await expect(servingEncoder({ ...manifestEncoder, cells: { ...manifestEncoder.cells, route: 1 } }, blob, shardSource)).rejects.toThrow(
      /route has \d+ entries, the manifest says 1/,
    )
    await expect(servingEncoder(manifestEncoder, blob, { ...shardSource, origins: [first] })).rejects.toThrow(/the manifest lists 1/)
  })

  it('refuses to pack a key cellKeys would never write, or a stat that is not whole positives ≤ count', async () => {
    await expect(packCellTables({ ...spec.cells, origin_hour: { 'SFO@7': [1, 2] } })).rejects.toThrow(/origin_hour key 'SFO@7'/)
    const [route] = Object.keys(spec.cells.route)
    await expect(packCellTables({ ...spec.cells, route: { [route]: [3, 2] } })).rejects.toThrow(/not whole positives ≤ count/)
  })
})
