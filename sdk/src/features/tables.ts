import { z } from 'zod'
import type { CellLookup, CellStat, EncoderParams, EncoderSpec, ServingEncoder } from './encoder.ts'
import { CELL_NAMES, type CellName } from './keys.ts'

/**
 * The encoder's cell tables as one binary blob, read in place through typed-array views.
 *
 *   "TMCT" | u32 format | u32 header bytes | header JSON | zero padding to 8 | sections (each 8-aligned)
 *
 * Keys are exact, not hashed: a cell key (`SFO`, `SFO-LAX`, `SFO@07`, `SFO-LAX@435`) is its airports' indices in
 * the blob's own code list and its hour or minute, in mixed radix — an integer below 2^32 for up to 1,727
 * airports. A key never collides with another and an unseen key never matches, so the lookup answers exactly
 * what the JSON table answered. Per table: sorted Uint32 keys, then counts and positives at the narrowest
 * unsigned width that holds their maximum. All values are little-endian, as every runtime we serve on is.
 */

const MAGIC = 0x54434d54 // "TMCT" read as a little-endian u32
const FORMAT = 1
/** hour (two digits) and minute of day share one radix */
const SUFFIX_RADIX = 1440

type Suffix = 'none' | 'hour' | 'minute'
/** How cellKeys spells each cell: how many airport codes, and what follows the `@`. */
const KEY_SHAPE: Record<CellName, { codes: 1 | 2; suffix: Suffix }> = {
  origin: { codes: 1, suffix: 'none' },
  destination: { codes: 1, suffix: 'none' },
  route: { codes: 2, suffix: 'none' },
  origin_hour: { codes: 1, suffix: 'hour' },
  destination_hour: { codes: 1, suffix: 'hour' },
  route_hour: { codes: 2, suffix: 'hour' },
  flight: { codes: 2, suffix: 'minute' },
}

const sectionSchema = z.object({
  /** bytes after the header, a multiple of 8 */
  offset: z.number().int().nonnegative(),
  /** bytes per value */
  width: z.union([z.literal(1), z.literal(2), z.literal(4)]),
})
type Section = z.infer<typeof sectionSchema>

const headerSchema = z.object({
  codes: z.array(z.string()),
  tables: z.array(
    z.object({
      cell: z.enum(CELL_NAMES),
      entries: z.number().int().nonnegative(),
      keys: z.number().int().nonnegative(),
      counts: sectionSchema,
      positives: sectionSchema,
    }),
  ),
})
type Header = z.infer<typeof headerSchema>
type TableHeader = Header['tables'][number]

export class CellTablesFormatError extends Error {
  override name = 'CellTablesFormatError'
}

/** The tables opened from a blob: exact lookups plus each table's size (the manifest's summary). */
export interface CellTables {
  lookup: CellLookup
  /** a table's keys, spelled as cellKeys spells them, in the blob's order */
  keys(cell: CellName): string[]
  entries: Record<CellName, number>
}

/** -1 when the key cannot be in the tables (unknown airport, malformed, non-canonical). */
function keyCode(key: string, shape: { codes: 1 | 2; suffix: Suffix }, codes: ReadonlyMap<string, number>, radix: number): number {
  const at = key.indexOf('@')
  if (at >= 0 !== (shape.suffix !== 'none')) return -1
  const left = at >= 0 ? key.slice(0, at) : key
  const dash = left.indexOf('-')
  if (dash >= 0 !== (shape.codes === 2)) return -1
  let code: number
  if (shape.codes === 2) {
    const a = codes.get(left.slice(0, dash))
    const b = codes.get(left.slice(dash + 1))
    if (a === undefined || b === undefined) return -1
    code = a * radix + b
  } else {
    const a = codes.get(left)
    if (a === undefined) return -1
    code = a
  }
  if (shape.suffix === 'none') return code
  const digits = key.slice(at + 1)
  const n = suffixValue(digits, shape.suffix)
  return n < 0 ? -1 : code * SUFFIX_RADIX + n
}

/** The number cellKeys wrote after the `@`, or -1 unless it is spelled exactly as cellKeys spells it. */
function suffixValue(digits: string, suffix: Suffix): number {
  if (!/^\d+$/.test(digits)) return -1
  const n = Number(digits)
  if (suffix === 'hour') return digits.length === 2 && n < 24 ? n : -1
  return String(n) === digits && n < SUFFIX_RADIX ? n : -1
}

function formatKey(k: number, shape: { codes: 1 | 2; suffix: Suffix }, codes: readonly string[], radix: number): string {
  const n = shape.suffix === 'none' ? -1 : k % SUFFIX_RADIX
  const left = shape.suffix === 'none' ? k : Math.floor(k / SUFFIX_RADIX)
  const airports = shape.codes === 2 ? `${codes[Math.floor(left / radix)]}-${codes[left % radix]}` : codes[left]
  if (n < 0) return airports
  return `${airports}@${shape.suffix === 'hour' && n < 10 ? `0${n}` : n}`
}

function widthFor(max: number): 1 | 2 | 4 {
  return max < 0x100 ? 1 : max < 0x10000 ? 2 : 4
}

const align8 = (n: number) => (n + 7) & ~7

/** Serialises the fitted tables. Deterministic: the same tables always give the same bytes (and sha256). */
export function packCellTables(cells: EncoderSpec['cells']): Uint8Array {
  const codeSet = new Set<string>()
  for (const cell of CELL_NAMES) {
    for (const key of Object.keys(cells[cell])) {
      const left = key.split('@')[0]
      for (const c of KEY_SHAPE[cell].codes === 2 ? left.split('-') : [left]) codeSet.add(c)
    }
  }
  const codes = [...codeSet].sort()
  for (const c of codes) if (c === '' || /[-@]/.test(c)) throw new CellTablesFormatError(`airport code '${c}' cannot be packed`)
  const radix = Math.max(codes.length, 1)
  if (radix * radix * SUFFIX_RADIX > 0xffffffff) throw new CellTablesFormatError(`${codes.length} airports: route keys exceed 32 bits`)
  const index = new Map(codes.map((c, i) => [c, i]))

  const packed = CELL_NAMES.map((cell) => {
    const entries = Object.entries(cells[cell]).map(([key, stat]) => {
      const k = keyCode(key, KEY_SHAPE[cell], index, radix)
      if (k < 0) throw new CellTablesFormatError(`${cell} key '${key}' is not spelled as cellKeys spells it`)
      return { k, stat }
    })
    entries.sort((a, b) => a.k - b.k)
    for (let i = 1; i < entries.length; i++)
      if (entries[i].k === entries[i - 1].k) throw new CellTablesFormatError(`${cell} has two keys with code ${entries[i].k}`)
    return { cell, entries }
  })

  const tables: TableHeader[] = []
  let offset = 0
  const layout = packed.map(({ cell, entries }) => {
    const maxCount = entries.reduce((m, e) => Math.max(m, e.stat[1]), 0)
    const maxPositives = entries.reduce((m, e) => Math.max(m, e.stat[0]), 0)
    const keys = offset
    offset = align8(offset + 4 * entries.length)
    const counts: Section = { offset, width: widthFor(maxCount) }
    offset = align8(offset + counts.width * entries.length)
    const positives: Section = { offset, width: widthFor(maxPositives) }
    offset = align8(offset + positives.width * entries.length)
    const table: TableHeader = { cell, entries: entries.length, keys, counts, positives }
    tables.push(table)
    return { table, entries }
  })
  const header = new TextEncoder().encode(JSON.stringify({ codes, tables } satisfies Header))
  const start = align8(12 + header.length)
  const bytes = new Uint8Array(start + offset)
  const view = new DataView(bytes.buffer)
  view.setUint32(0, MAGIC, true)
  view.setUint32(4, FORMAT, true)
  view.setUint32(8, header.length, true)
  bytes.set(header, 12)
  for (const { table, entries } of layout) {
    const n = entries.length
    const keys = new Uint32Array(bytes.buffer, start + table.keys, n)
    const counts = typedView(bytes.buffer, start + table.counts.offset, table.counts.width, n)
    const positives = typedView(bytes.buffer, start + table.positives.offset, table.positives.width, n)
    for (let i = 0; i < n; i++) {
      keys[i] = entries[i].k
      positives[i] = entries[i].stat[0]
      counts[i] = entries[i].stat[1]
    }
  }
  return bytes
}

function typedView(buffer: ArrayBufferLike, offset: number, width: 1 | 2 | 4, length: number): Uint8Array | Uint16Array | Uint32Array {
  if (width === 1) return new Uint8Array(buffer, offset, length)
  if (width === 2) return new Uint16Array(buffer, offset, length)
  return new Uint32Array(buffer, offset, length)
}

function parseHeader(bytes: Uint8Array): { header: Header; start: number } {
  if (bytes.length < 12) throw new CellTablesFormatError(`cell tables: ${bytes.length} bytes is too short`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (view.getUint32(0, true) !== MAGIC) throw new CellTablesFormatError('cell tables: bad magic (not a TMCT blob)')
  if (view.getUint32(4, true) !== FORMAT)
    throw new CellTablesFormatError(`cell tables: format ${view.getUint32(4, true)}, expected ${FORMAT}`)
  const length = view.getUint32(8, true)
  if (12 + length > bytes.length) throw new CellTablesFormatError('cell tables: header runs past the end')
  const parsed = headerSchema.safeParse(JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + length))))
  if (!parsed.success) throw new CellTablesFormatError(`cell tables: bad header: ${parsed.error.message}`)
  return { header: parsed.data, start: align8(12 + length) }
}

const littleEndian = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1

/**
 * Opens a blob written by packCellTables. The tables stay in `bytes` (copied once only if its offset is not
 * 8-aligned); a lookup is a binary search over the keys, allocating only the returned pair.
 */
export function openCellTables(input: Uint8Array): CellTables {
  if (!littleEndian) throw new CellTablesFormatError('cell tables are little-endian; this platform is not')
  const bytes = input.byteOffset % 8 === 0 ? input : input.slice()
  const { header, start } = parseHeader(bytes)
  const codes = new Map(header.codes.map((c, i) => [c, i]))
  const radix = Math.max(header.codes.length, 1)
  const base = bytes.byteOffset + start
  const size = bytes.length - start
  const tables = new Map(
    header.tables.map((t) => {
      for (const [at, width] of [
        [t.keys, 4],
        [t.counts.offset, t.counts.width],
        [t.positives.offset, t.positives.width],
      ]) {
        if (at % 8 !== 0 || at + width * t.entries > size)
          throw new CellTablesFormatError(`cell tables: ${t.cell} section at ${at} is misaligned or past the end`)
      }
      return [
        t.cell,
        {
          shape: KEY_SHAPE[t.cell],
          keys: new Uint32Array(bytes.buffer, base + t.keys, t.entries),
          counts: typedView(bytes.buffer, base + t.counts.offset, t.counts.width, t.entries),
          positives: typedView(bytes.buffer, base + t.positives.offset, t.positives.width, t.entries),
        },
      ]
    }),
  )
  for (const cell of CELL_NAMES) if (!tables.has(cell)) throw new CellTablesFormatError(`cell tables: no '${cell}' table`)
  const lookup: CellLookup = (cell, key): CellStat | undefined => {
    const t = tables.get(cell)
    if (!t) return undefined
    const k = keyCode(key, t.shape, codes, radix)
    if (k < 0) return undefined
    const keys = t.keys
    let lo = 0
    let hi = keys.length - 1
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1
      const v = keys[mid]
      if (v < k) lo = mid + 1
      else if (v > k) hi = mid - 1
      else return [t.positives[mid], t.counts[mid]]
    }
    return undefined
  }
  const keys = (cell: CellName): string[] => {
    const t = tables.get(cell)
    return t ? Array.from(t.keys, (k) => formatKey(k, t.shape, header.codes, radix)) : []
  }
  const entries = Object.fromEntries(CELL_NAMES.map((c) => [c, tables.get(c)?.keys.length ?? 0])) as Record<CellName, number>
  return { lookup, keys, entries }
}

/**
 * The serving encoder: the manifest's scalars and vocabulary with the tables blob opened behind them. Refuses a
 * blob whose table sizes differ from the manifest's, a sign of a blob from another version.
 */
export function servingEncoder(params: EncoderParams & { cells: Record<CellName, number> }, tables: Uint8Array): ServingEncoder {
  const opened = openCellTables(tables)
  for (const cell of CELL_NAMES) {
    if (opened.entries[cell] !== params.cells[cell])
      throw new CellTablesFormatError(`cell tables: ${cell} has ${opened.entries[cell]} entries, the manifest says ${params.cells[cell]}`)
  }
  const { version, globalRate, smoothing, airports, logDistance } = params
  return { version, globalRate, smoothing, airports, logDistance, lookup: opened.lookup, keys: opened.keys }
}

/** What the manifest says of the tables: entries per cell. */
export function tableSizes(cells: EncoderSpec['cells']): Record<CellName, number> {
  return Object.fromEntries(CELL_NAMES.map((c) => [c, Object.keys(cells[c]).length])) as Record<CellName, number>
}
