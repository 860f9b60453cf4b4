import { describe, expect, it } from 'vitest'
import { seededRandom } from '../random.ts'
import { syntheticFlights } from '../testing.ts'
import { encodeFlights, type Flight } from './encoder.ts'
import { fitEncoder, SIZE_TARGET_MIN_CELL_COUNT } from './fit.ts'
import { CELL_NAMES } from './keys.ts'
import { CellTablesFormatError, openCellTables, packCellTables, servingEncoder, tableSizes } from './tables.ts'

const train = syntheticFlights(10_000, 31)
const { spec } = fitEncoder(train.flights, train.labels, { minAirportCount: 10, minCellCount: 2 })
const blob = await packCellTables(spec.cells)
const { cells, ...params } = spec
const manifestEncoder = { ...params, cells: tableSizes(cells) }

/** Later flights of the same airports, plus airports and minutes the tables never saw. */
function validationLike(n: number): Flight[] {
  const r = seededRandom(5)
  const later = syntheticFlights(n, 77).flights.map((f) => ({ ...f, departureMs: f.departureMs + 90 * 86_400_000 }))
  for (let i = 0; i < n / 10; i++) later[Math.floor(r() * n)].origin = 'XYZ'
  later.push({ origin: '', destination: '', departureMs: 0, distance: 1 })
  return later
}

describe('cell tables blob', () => {
  it('encodes validation-like rows to the same bits as the JSON tables, unseen airports and cells included', async () => {
    const flights = validationLike(5_000)
    const json = encodeFlights(flights, spec)
    const binary = encodeFlights(flights, await servingEncoder(manifestEncoder, blob))
    // bit for bit (NaN and -0 included), counted rather than diffed: the arrays are 120,000 values long
    const a = new Uint8Array(binary.numeric.buffer)
    const b = new Uint8Array(json.numeric.buffer)
    let differing = 0
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) differing++
    expect(a.length).toBe(b.length)
    expect(differing).toBe(0)
    expect(binary.origin.every((v, i) => v === json.origin[i]) && binary.destination.every((v, i) => v === json.destination[i])).toBe(true)
  })

  it('keeps that parity with the size-target minimums, whose flight table is empty', async () => {
    const small = fitEncoder(train.flights, train.labels, { minAirportCount: 10, minCellCount: SIZE_TARGET_MIN_CELL_COUNT }).spec
    expect(Object.keys(small.cells.flight)).toHaveLength(0)
    expect(Object.keys(small.cells.route_hour).length).toBeLessThan(Object.keys(spec.cells.route_hour).length)
    const { cells: smallCells, ...smallParams } = small
    const served = await servingEncoder({ ...smallParams, cells: tableSizes(smallCells) }, await packCellTables(smallCells))
    const flights = validationLike(2_000)
    expect(new Uint8Array(encodeFlights(flights, served).numeric.buffer)).toEqual(
      new Uint8Array(encodeFlights(flights, small).numeric.buffer),
    )
  }, 20_000)

  it('answers every stored key with its stat and reads keys back as cellKeys spells them', async () => {
    const tables = await openCellTables(blob)
    for (const cell of CELL_NAMES) {
      const stored = Object.entries(spec.cells[cell])
      expect(stored.length).toBeGreaterThan(0)
      for (const [key, stat] of stored) expect(tables.lookup(cell, key, 0)).toEqual(stat)
      expect(tables.keys(cell).sort()).toEqual(Object.keys(spec.cells[cell]).sort())
    }
  })

  it('never matches a key spelled differently from cellKeys, or of another cell', async () => {
    const tables = await openCellTables(blob)
    const [hourKey] = Object.keys(spec.cells.origin_hour).filter((k) => k.endsWith('@07'))
    expect(tables.lookup('origin_hour', hourKey, 0)).toBeDefined()
    expect(tables.lookup('origin_hour', hourKey.replace('@07', '@7'), 0)).toBeUndefined()
    const [flightKey] = Object.keys(spec.cells.flight)
    const minute = flightKey.split('@')[1]
    expect(tables.lookup('flight', flightKey.replace(`@${minute}`, `@0${minute}`), 0)).toBeUndefined()
    expect(tables.lookup('route', flightKey, 0)).toBeUndefined()
    expect(tables.lookup('origin', 'ATL-BOS', 0)).toBeUndefined()
  })

  it('is deterministic, compact, and opens from a view at any offset', async () => {
    expect(await packCellTables(spec.cells)).toEqual(blob)
    const json = new TextEncoder().encode(JSON.stringify(spec.cells)).length
    expect(blob.length).toBeLessThan(json / 4)
    const shifted = new Uint8Array(blob.length + 3)
    shifted.set(blob, 3)
    const tables = await openCellTables(shifted.subarray(3))
    const [key, stat] = Object.entries(spec.cells.route)[0]
    expect(tables.lookup('route', key, 0)).toEqual(stat)
  })

  it('refuses a damaged blob or one from another version with a clear error', async () => {
    await expect(openCellTables(blob.subarray(0, 7))).rejects.toThrow(/too short/)
    const bad = blob.slice()
    bad[0] = 0
    await expect(openCellTables(bad)).rejects.toThrow(/bad magic/)
    await expect(openCellTables(blob.subarray(0, blob.length - 64))).rejects.toThrow(CellTablesFormatError)
    const damaged = blob.slice()
    damaged[damaged.length >> 1] ^= 0xff
    await expect(openCellTables(damaged)).rejects.toThrow(CellTablesFormatError)
    await expect(servingEncoder({ ...manifestEncoder, cells: { ...manifestEncoder.cells, flight: 1 } }, blob)).rejects.toThrow(
      /flight has \d+ entries, the manifest says 1/,
    )
  })

  it('refuses to pack a key cellKeys would never write, or a stat that is not whole positives ≤ count', async () => {
    await expect(packCellTables({ ...spec.cells, origin_hour: { 'SFO@7': [1, 2] } })).rejects.toThrow(/origin_hour key 'SFO@7'/)
    const [route] = Object.keys(spec.cells.route)
    await expect(packCellTables({ ...spec.cells, route: { [route]: [3, 2] } })).rejects.toThrow(/not whole positives ≤ count/)
  })
})
