import { z } from 'zod'
import { sha256Hex } from '../manifest/hash.ts'
import type { CellLookup, CellStat, EncoderSpec } from './encoder.ts'
import { CELL_NAMES, type CellName } from './keys.ts'
import { lastAtOrBelow, SLOT_HALF_WIDTH, SLOT_MAX_OFFSET, type SlotFinder } from './slots.ts'
import { formatKey, KEY_SHAPE, type KeyShape, keyCode, SUFFIX_RADIX } from './table-keys.ts'

/**
 * The encoder's cell tables as compact binary blobs, sharded by origin airport.
 *
 *   blob = "TMCT" | u32 format | deflate-raw( u32 header bytes | header JSON | one section per table )
 *
 * One global blob holds the airport code list and the small tables (origin, destination, route, origin_hour,
 * destination_hour: 7% of the entries) and names the origins that have a shard; one shard per origin holds that
 * origin's route_hour, flight and slot entries (every such key starts with the origin). A client opens the global
 * blob and only the shards of the origins it predicts for: on the reference model, the manifest, the global blob
 * and the largest shard (ORD) are 7.9% of the gzip bytes of the JSON tables; all shards together are 48.7%. A
 * shard names the sha256 of its global blob, so a shard of another version is refused.
 *
 * Keys are exact, not hashed: a cell key (`SFO`, `SFO-LAX`, `SFO@07`, `SFO-LAX@435`) is its airports' indices in
 * the global code list and its hour or minute, in mixed radix — an integer below 2^32 for up to 1,727 airports.
 * A key never collides with another and an unseen key never matches, so the lookup answers exactly what the JSON
 * table answered; an origin without a shard has no entries in the shard tables, as in the JSON. A section is the
 * table's sorted keys as gaps, then its counts, then its positives, each a LEB128 varint, and the blob is deflated.
 * Why not fixed-width keys, counts and positives opened as zero-copy typed-array views: on the ORD shard they are
 * 159.0 KiB raw and 53.8 KiB gzipped on the wire against 18.3 KiB of deflated varints — 3× the bytes to save an
 * open that takes 9.5 ms for the global blob and the shard together, hashes included. So the objects stay deflated
 * and the Worker serves them as stored (no Content-Encoding): a blob's size is what a client downloads.
 * Measured: `npm run bench -- --only encoder` (sizes, open time, parity), `--only edge` (the Worker's cold load).
 */

const MAGIC = 0x54434d54 // "TMCT" read as a little-endian u32
/** 3: a global blob plus one shard per origin (2 was one blob of every table; 1 fixed-width typed arrays) */
const FORMAT = 3
/** The tables split into one shard per origin; the rest (the route list included, for route pickers) is global. */
export const SHARD_CELLS = ['route_hour', 'flight', 'slot'] as const satisfies readonly CellName[]
const SHARD_CELL_SET = new Set<CellName>(SHARD_CELLS)
const GLOBAL_CELLS = CELL_NAMES.filter((c) => !SHARD_CELL_SET.has(c))
const isShardCell = (cell: CellName) => SHARD_CELL_SET.has(cell)

const tableSchema = z.object({
  cell: z.enum(CELL_NAMES),
  entries: z.number().int().nonnegative(),
  /** bytes of the table's section */
  bytes: z.number().int().nonnegative(),
})
const headerSchema = z.discriminatedUnion('part', [
  /** origins: those with a shard, sorted */
  z.object({ part: z.literal('global'), codes: z.array(z.string()), origins: z.array(z.string()), tables: z.array(tableSchema) }),
  /** global: sha256 of the global blob whose code list the keys index */
  z.object({ part: z.literal('shard'), origin: z.string(), global: z.string(), tables: z.array(tableSchema) }),
])
type Header = z.infer<typeof headerSchema>
type TableHeader = z.infer<typeof tableSchema>

export class CellTablesFormatError extends Error {
  override name = 'CellTablesFormatError'
}

/** A lookup reached an origin whose shard is in the tables but was not opened: call prepare() first. */
export class ShardNotOpenError extends Error {
  override name = 'ShardNotOpenError'
}

/** What packCellTables writes: the global blob and one shard per origin with shard-table entries. */
export interface PackedCellTables {
  global: Uint8Array
  /** by origin code, sorted */
  shards: Record<string, Uint8Array>
}

/** The tables opened from a global blob, shards opened on demand: exact lookups plus each open table's size. */
export interface CellTables {
  lookup: CellLookup
  /** the flight's departure slot: a search for the route's latest slot key in place, as slots.ts's latestSlot */
  slotOf: SlotFinder
  /** a table's keys, spelled as cellKeys spells them, in key order; for the shard tables, of the open shards only */
  keys(cell: CellName): string[]
  /** entries of the global tables */
  entries: Partial<Record<CellName, number>>
  /** the origins that have a shard */
  origins: readonly string[]
  isOpen(origin: string): boolean
  /** opens an origin's shard (verified to belong to this global blob) */
  openShard(origin: string, blob: Uint8Array): Promise<void>
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

interface Entry {
  k: number
  positives: number
  count: number
}

/** One table's section: sorted key gaps, counts, positives as varints. */
function section(cell: CellName, entries: Entry[]): { table: TableHeader; bytes: number[] } {
  const out: number[] = []
  let previous = 0
  for (const e of entries) {
    pushVarint(out, e.k - previous)
    previous = e.k
  }
  for (const e of entries) pushVarint(out, e.count)
  for (const e of entries) pushVarint(out, e.positives)
  return { table: { cell, entries: entries.length, bytes: out.length }, bytes: out }
}

/** Frames a header and its sections as a blob. */
async function frame(header: Header, sections: number[][]): Promise<Uint8Array> {
  const json = new TextEncoder().encode(JSON.stringify(header))
  const inner = new Uint8Array(4 + json.length + sections.reduce((n, s) => n + s.length, 0))
  new DataView(inner.buffer).setUint32(0, json.length, true)
  inner.set(json, 4)
  let at = 4 + json.length
  for (const s of sections) {
    inner.set(s, at)
    at += s.length
  }
  const body = await through(inner, new CompressionStream('deflate-raw'))
  const bytes = new Uint8Array(8 + body.length)
  const view = new DataView(bytes.buffer)
  view.setUint32(0, MAGIC, true)
  view.setUint32(4, FORMAT, true)
  bytes.set(body, 8)
  return bytes
}

/** Serialises the fitted tables. Deterministic: the same tables always give the same bytes (and sha256s). */
export async function packCellTables(cells: EncoderSpec['cells']): Promise<PackedCellTables> {
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

  const sorted = (cell: CellName): Entry[] => {
    const entries = Object.entries(cells[cell]).map(([key, stat]) => {
      const k = keyCode(key, KEY_SHAPE[cell], index, radix)
      if (k < 0) throw new CellTablesFormatError(`${cell} key '${key}' is not spelled as cellKeys spells it`)
      const [positives, count] = stat
      if (!(Number.isInteger(count) && Number.isInteger(positives) && positives >= 0 && positives <= count && count <= 0xffffffff))
        throw new CellTablesFormatError(`${cell} key '${key}' has stat [${stat}], not whole positives ≤ count`)
      return { k, positives, count }
    })
    entries.sort((a, b) => a.k - b.k)
    for (let i = 1; i < entries.length; i++)
      if (entries[i].k === entries[i - 1].k) throw new CellTablesFormatError(`${cell} has two keys with code ${entries[i].k}`)
    return entries
  }
  // a shard table's keys are the full keys of its origin's range: the shard's first gap is large, the rest as before
  const originOf = (k: number) => Math.floor(k / (radix * SUFFIX_RADIX))
  const byOrigin = new Map<number, Map<CellName, Entry[]>>()
  for (const cell of SHARD_CELLS) {
    for (const e of sorted(cell)) {
      const o = originOf(e.k)
      const tables = byOrigin.get(o) ?? new Map<CellName, Entry[]>()
      byOrigin.set(o, tables)
      const list = tables.get(cell) ?? []
      tables.set(cell, list)
      list.push(e)
    }
  }
  const origins = [...byOrigin.keys()].sort((a, b) => a - b)
  const globalSections = GLOBAL_CELLS.map((cell) => section(cell, sorted(cell)))
  const global = await frame(
    { part: 'global', codes, origins: origins.map((o) => codes[o]), tables: globalSections.map((s) => s.table) },
    globalSections.map((s) => s.bytes),
  )
  const globalSha = await sha256Hex(global)
  const shards: Record<string, Uint8Array> = {}
  for (const [o, tables] of [...byOrigin].sort((a, b) => a[0] - b[0])) {
    const sections = SHARD_CELLS.map((cell) => section(cell, tables.get(cell) ?? []))
    shards[codes[o]] = await frame(
      { part: 'shard', origin: codes[o], global: globalSha, tables: sections.map((s) => s.table) },
      sections.map((s) => s.bytes),
    )
  }
  return { global, shards }
}

/** The blob's inflated body and its parsed header; a damaged blob throws CellTablesFormatError. */
async function inflate(bytes: Uint8Array): Promise<{ header: Header; body: Uint8Array; start: number }> {
  if (bytes.length < 8) throw new CellTablesFormatError(`cell tables: ${bytes.length} bytes is too short`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (view.getUint32(0, true) !== MAGIC) throw new CellTablesFormatError('cell tables: bad magic (not a TMCT blob)')
  const format = view.getUint32(4, true)
  if (format !== FORMAT)
    throw new CellTablesFormatError(`cell tables: format ${format}, this encoder reads format ${FORMAT} (re-export the model)`)
  let body: Uint8Array
  try {
    body = await through(bytes.subarray(8), new DecompressionStream('deflate-raw'))
  } catch (error) {
    throw new CellTablesFormatError(`cell tables: the body does not inflate (${error instanceof Error ? error.message : error})`)
  }
  if (body.length < 4) throw new CellTablesFormatError('cell tables: the body is too short')
  const length = new DataView(body.buffer, body.byteOffset, body.byteLength).getUint32(0, true)
  if (4 + length > body.length) throw new CellTablesFormatError('cell tables: header runs past the end')
  let json: unknown
  try {
    json = JSON.parse(new TextDecoder().decode(body.subarray(4, 4 + length)))
  } catch {
    throw new CellTablesFormatError('cell tables: the header is not JSON')
  }
  const parsed = headerSchema.safeParse(json)
  if (!parsed.success) throw new CellTablesFormatError(`cell tables: bad header: ${parsed.error.message}`)
  return { header: parsed.data, body, start: 4 + length }
}

interface DecodedTable {
  shape: KeyShape
  keys: Uint32Array
  counts: Uint32Array
  positives: Uint32Array
}

/** Decodes one table's section (gaps, counts, positives); throws unless it ends exactly at the section's end. */
function decodeTable(bytes: Uint8Array, from: number, t: TableHeader): DecodedTable {
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

/** Every table of a blob, which must be exactly `expected`. */
function decodeTables(body: Uint8Array, start: number, tables: TableHeader[], expected: readonly CellName[]): Map<CellName, DecodedTable> {
  const decoded = new Map<CellName, DecodedTable>()
  let at = start
  for (const t of tables) {
    decoded.set(t.cell, decodeTable(body, at, t))
    at += t.bytes
  }
  if (at !== body.length) throw new CellTablesFormatError(`cell tables: ${body.length - at} bytes past the last table`)
  for (const cell of expected) if (!decoded.has(cell)) throw new CellTablesFormatError(`cell tables: no '${cell}' table`)
  if (decoded.size !== expected.length) throw new CellTablesFormatError(`cell tables: tables ${[...decoded.keys()]}, expected ${expected}`)
  return decoded
}

function search(t: DecodedTable, k: number): CellStat | undefined {
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

/**
 * Opens a global blob written by packCellTables; shards are opened with openShard. A lookup is a binary search in
 * place, allocating only the pair it returns; one that needs a shard not opened throws ShardNotOpenError.
 */
export async function openCellTables(blob: Uint8Array): Promise<CellTables> {
  const { header, body, start } = await inflate(blob)
  if (header.part !== 'global') throw new CellTablesFormatError(`cell tables: a ${header.part} blob where the global one belongs`)
  const globalSha = await sha256Hex(blob)
  const codes = new Map(header.codes.map((c, i) => [c, i]))
  const radix = Math.max(header.codes.length, 1)
  const global = decodeTables(body, start, header.tables, GLOBAL_CELLS)
  const withShard = new Set(header.origins)
  const shards = new Map<string, Map<CellName, DecodedTable>>()

  /** the shard tables of a key's origin, undefined when the origin has none (nothing stored for it) */
  const shardOf = (origin: string): Map<CellName, DecodedTable> | undefined => {
    if (!withShard.has(origin)) return undefined
    const tables = shards.get(origin)
    if (!tables) throw new ShardNotOpenError(`cell tables: the shard of ${origin} is not open`)
    return tables
  }
  const lookup: CellLookup = (cell, key): CellStat | undefined => {
    const t = isShardCell(cell) ? shardOf(key.slice(0, key.indexOf('-')))?.get(cell) : global.get(cell)
    if (!t) return undefined
    const k = keyCode(key, t.shape, codes, radix)
    return k < 0 ? undefined : search(t, k)
  }
  const slotOf: SlotFinder = (route, minuteOfDay) => {
    const dash = route.indexOf('-')
    const a = codes.get(route.slice(0, dash))
    const b = codes.get(route.slice(dash + 1))
    if (dash < 0 || a === undefined || b === undefined) return -1
    const slots = shardOf(route.slice(0, dash))?.get('slot')?.keys
    if (!slots) return -1
    const base = (a * radix + b) * SUFFIX_RADIX
    const found = lastAtOrBelow(slots, base + Math.min(SUFFIX_RADIX - 1, minuteOfDay + SLOT_HALF_WIDTH))
    return found >= base + Math.max(0, minuteOfDay - SLOT_MAX_OFFSET) ? found - base : -1
  }
  const keys = (cell: CellName): string[] => {
    const tables = isShardCell(cell)
      ? header.origins.flatMap((o) => shards.get(o)?.get(cell) ?? [])
      : [global.get(cell)].filter((t) => t !== undefined)
    return tables.flatMap((t) => Array.from(t.keys, (k) => formatKey(k, t.shape, header.codes, radix)))
  }
  return {
    lookup,
    slotOf,
    keys,
    entries: Object.fromEntries(GLOBAL_CELLS.map((c) => [c, global.get(c)?.keys.length ?? 0])),
    origins: header.origins,
    isOpen: (origin) => shards.has(origin),
    async openShard(origin, shard) {
      if (!withShard.has(origin)) throw new CellTablesFormatError(`cell tables: ${origin} has no shard`)
      const opened = await inflate(shard)
      const h = opened.header
      if (h.part !== 'shard' || h.origin !== origin)
        throw new CellTablesFormatError(`cell tables: not the shard of ${origin} (${h.part === 'shard' ? h.origin : h.part})`)
      if (h.global !== globalSha) throw new CellTablesFormatError(`cell tables: the shard of ${origin} belongs to another global blob`)
      const tables = decodeTables(opened.body, opened.start, h.tables, SHARD_CELLS)
      const lo = (codes.get(origin) as number) * radix * SUFFIX_RADIX
      for (const [cell, t] of tables) {
        if (t.keys.length && (t.keys[0] < lo || t.keys[t.keys.length - 1] >= lo + radix * SUFFIX_RADIX))
          throw new CellTablesFormatError(`cell tables: the shard of ${origin} holds ${cell} keys of another origin`)
      }
      shards.set(origin, tables)
    },
  }
}

/** What the manifest says of the tables: entries per cell. */
export function tableSizes(cells: EncoderSpec['cells']): Record<CellName, number> {
  return Object.fromEntries(CELL_NAMES.map((c) => [c, Object.keys(cells[c]).length])) as Record<CellName, number>
}
