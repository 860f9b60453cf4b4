import { z } from 'zod'
import type { CellLookup, CellStat, EncoderParams, EncoderSpec, ServingEncoder } from './encoder.ts'
import { CELL_NAMES, type CellName } from './keys.ts'
import { lastAtOrBelow, SLOT_HALF_WIDTH, SLOT_MAX_OFFSET, type SlotFinder } from './slots.ts'

/**
 * The encoder's cell tables as one compact binary blob.
 *
 *   "TMCT" | u32 format | deflate-raw( u32 header bytes | header JSON | one section per table )
 *
 * Keys are exact, not hashed: a cell key (`SFO`, `SFO-LAX`, `SFO@07`, `SFO-LAX@435`) is its airports' indices in
 * the blob's own code list and its hour or minute, in mixed radix — an integer below 2^32 for up to 1,727
 * airports. A key never collides with another and an unseen key never matches, so the lookup answers exactly
 * what the JSON table answered. A table's section is its sorted keys as gaps, then its counts, then its
 * positives, each value a LEB128 varint, and the whole is deflated: counts and gaps are small and skewed, so
 * deflate halves the varints again, and the Worker serves blobs as stored (no Content-Encoding), so the
 * blob's own size is what a client downloads. Opening it inflates and decodes each table once into
 * Uint32Arrays that lookups binary-search in place. Measured: `npm run bench -- --only encoder`.
 */

const MAGIC = 0x54434d54 // "TMCT" read as a little-endian u32
/** 2: deflated varint gaps and counts (1 was fixed-width typed arrays, 2.4× the gzip bytes) */
const FORMAT = 2
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
  slot: { codes: 2, suffix: 'minute' },
}

const headerSchema = z.object({
  codes: z.array(z.string()),
  tables: z.array(
    z.object({
      cell: z.enum(CELL_NAMES),
      entries: z.number().int().nonnegative(),
      /** bytes of the table's section */
      bytes: z.number().int().nonnegative(),
    }),
  ),
})
type Header = z.infer<typeof headerSchema>

export class CellTablesFormatError extends Error {
  override name = 'CellTablesFormatError'
}

/** The tables opened from a blob: exact lookups plus each table's size (the manifest's summary). */
export interface CellTables {
  lookup: CellLookup
  /** the flight's departure slot: a search for the route's latest slot key in place, as slots.ts's latestSlot */
  slotOf: SlotFinder
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

/** Appends `v` (an unsigned integer below 2^32) as a LEB128 varint. */
function pushVarint(out: number[], v: number): void {
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80)
    v = Math.floor(v / 128)
  }
  out.push(v)
}

/** The bytes through a (de)compression stream: Node, workerd and browsers all have them. */
async function through(bytes: Uint8Array, stream: CompressionStream | DecompressionStream): Promise<Uint8Array> {
  return new Uint8Array(await new Response(new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(stream)).arrayBuffer())
}

/** Serialises the fitted tables. Deterministic: the same tables always give the same bytes (and sha256). */
export async function packCellTables(cells: EncoderSpec['cells']): Promise<Uint8Array> {
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

  const tables: Header['tables'] = []
  const sections = CELL_NAMES.map((cell) => {
    const entries = Object.entries(cells[cell]).map(([key, stat]) => {
      const k = keyCode(key, KEY_SHAPE[cell], index, radix)
      if (k < 0) throw new CellTablesFormatError(`${cell} key '${key}' is not spelled as cellKeys spells it`)
      const [positives, count] = stat
      if (!(Number.isInteger(count) && Number.isInteger(positives) && positives >= 0 && positives <= count && count <= 0xffffffff))
        throw new CellTablesFormatError(`${cell} key '${key}' has stat [${stat}], not whole positives ≤ count`)
      return { k, positives, count }
    })
    entries.sort((a, b) => a.k - b.k)
    const out: number[] = []
    let previous = 0
    for (let i = 0; i < entries.length; i++) {
      if (i > 0 && entries[i].k === previous) throw new CellTablesFormatError(`${cell} has two keys with code ${previous}`)
      pushVarint(out, entries[i].k - previous)
      previous = entries[i].k
    }
    for (const e of entries) pushVarint(out, e.count)
    for (const e of entries) pushVarint(out, e.positives)
    tables.push({ cell, entries: entries.length, bytes: out.length })
    return out
  })
  const header = new TextEncoder().encode(JSON.stringify({ codes, tables } satisfies Header))
  const inner = new Uint8Array(4 + header.length + sections.reduce((n, s) => n + s.length, 0))
  new DataView(inner.buffer).setUint32(0, header.length, true)
  inner.set(header, 4)
  let at = 4 + header.length
  for (const section of sections) {
    inner.set(section, at)
    at += section.length
  }
  const body = await through(inner, new CompressionStream('deflate-raw'))
  const bytes = new Uint8Array(8 + body.length)
  const view = new DataView(bytes.buffer)
  view.setUint32(0, MAGIC, true)
  view.setUint32(4, FORMAT, true)
  bytes.set(body, 8)
  return bytes
}

/** The blob's inflated body and its parsed header; a damaged blob throws CellTablesFormatError. */
async function inflate(bytes: Uint8Array): Promise<{ header: Header; body: Uint8Array; start: number }> {
  if (bytes.length < 8) throw new CellTablesFormatError(`cell tables: ${bytes.length} bytes is too short`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (view.getUint32(0, true) !== MAGIC) throw new CellTablesFormatError('cell tables: bad magic (not a TMCT blob)')
  if (view.getUint32(4, true) !== FORMAT)
    throw new CellTablesFormatError(`cell tables: format ${view.getUint32(4, true)}, expected ${FORMAT}`)
  let body: Uint8Array
  try {
    body = await through(bytes.subarray(8), new DecompressionStream('deflate-raw'))
  } catch (error) {
    throw new CellTablesFormatError(`cell tables: the body does not inflate (${error instanceof Error ? error.message : error})`)
  }
  if (body.length < 4) throw new CellTablesFormatError('cell tables: the body is too short')
  const length = new DataView(body.buffer, body.byteOffset, body.byteLength).getUint32(0, true)
  if (4 + length > body.length) throw new CellTablesFormatError('cell tables: header runs past the end')
  const parsed = headerSchema.safeParse(JSON.parse(new TextDecoder().decode(body.subarray(4, 4 + length))))
  if (!parsed.success) throw new CellTablesFormatError(`cell tables: bad header: ${parsed.error.message}`)
  return { header: parsed.data, body, start: 4 + length }
}

interface DecodedTable {
  shape: { codes: 1 | 2; suffix: Suffix }
  keys: Uint32Array
  counts: Uint32Array
  positives: Uint32Array
}

/** Decodes one table's section (gaps, counts, positives); throws unless it ends exactly at the section's end. */
function decodeTable(bytes: Uint8Array, from: number, t: Header['tables'][number]): DecodedTable {
  const end = from + t.bytes
  if (end > bytes.length) throw new CellTablesFormatError(`cell tables: ${t.cell} runs past the end`)
  let at = from
  const next = (): number => {
    let v = 0
    let scale = 1
    for (;;) {
      if (at >= end) throw new CellTablesFormatError(`cell tables: ${t.cell} runs past the end of its section`)
      const b = bytes[at++]
      v += (b & 0x7f) * scale
      if (b < 0x80) return v
      scale *= 128
    }
  }
  const keys = new Uint32Array(t.entries)
  const counts = new Uint32Array(t.entries)
  const positives = new Uint32Array(t.entries)
  let key = 0
  for (let i = 0; i < t.entries; i++) keys[i] = key += next()
  for (let i = 0; i < t.entries; i++) counts[i] = next()
  for (let i = 0; i < t.entries; i++) positives[i] = next()
  if (at !== end) throw new CellTablesFormatError(`cell tables: ${t.cell} has ${end - at} bytes past its entries`)
  return { shape: KEY_SHAPE[t.cell], keys, counts, positives }
}

/** Opens a blob written by packCellTables: each table decoded once; a lookup is a binary search, allocating only the pair it returns. */
export async function openCellTables(blob: Uint8Array): Promise<CellTables> {
  const { header, body: bytes, start } = await inflate(blob)
  const codes = new Map(header.codes.map((c, i) => [c, i]))
  const radix = Math.max(header.codes.length, 1)
  const tables = new Map<CellName, DecodedTable>()
  let at = start
  for (const t of header.tables) {
    tables.set(t.cell, decodeTable(bytes, at, t))
    at += t.bytes
  }
  if (at !== bytes.length) throw new CellTablesFormatError(`cell tables: ${bytes.length - at} bytes past the last table`)
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
  const slots = tables.get('slot')?.keys ?? new Uint32Array()
  const slotOf: SlotFinder = (route, minuteOfDay) => {
    const dash = route.indexOf('-')
    const a = codes.get(route.slice(0, dash))
    const b = codes.get(route.slice(dash + 1))
    if (dash < 0 || a === undefined || b === undefined) return -1
    const base = (a * radix + b) * SUFFIX_RADIX
    const found = lastAtOrBelow(slots, base + Math.min(SUFFIX_RADIX - 1, minuteOfDay + SLOT_HALF_WIDTH))
    return found >= base + Math.max(0, minuteOfDay - SLOT_MAX_OFFSET) ? found - base : -1
  }
  const keys = (cell: CellName): string[] => {
    const t = tables.get(cell)
    return t ? Array.from(t.keys, (k) => formatKey(k, t.shape, header.codes, radix)) : []
  }
  const entries = Object.fromEntries(CELL_NAMES.map((c) => [c, tables.get(c)?.keys.length ?? 0])) as Record<CellName, number>
  return { lookup, slotOf, keys, entries }
}

/**
 * The serving encoder: the manifest's scalars and vocabulary with the tables blob opened behind them. Refuses a
 * blob whose table sizes differ from the manifest's, a sign of a blob from another version.
 */
export async function servingEncoder(
  params: EncoderParams & { cells: Record<CellName, number> },
  tables: Uint8Array,
): Promise<ServingEncoder> {
  const opened = await openCellTables(tables)
  for (const cell of CELL_NAMES) {
    if (opened.entries[cell] !== params.cells[cell])
      throw new CellTablesFormatError(`cell tables: ${cell} has ${opened.entries[cell]} entries, the manifest says ${params.cells[cell]}`)
  }
  const { version, globalRate, smoothing, airports, logDistance } = params
  return { version, globalRate, smoothing, airports, logDistance, lookup: opened.lookup, slotOf: opened.slotOf, keys: opened.keys }
}

/** What the manifest says of the tables: entries per cell. */
export function tableSizes(cells: EncoderSpec['cells']): Record<CellName, number> {
  return Object.fromEntries(CELL_NAMES.map((c) => [c, Object.keys(cells[c]).length])) as Record<CellName, number>
}
