import { CELL_NAMES, CELL_PARENT, type CellName, cellKeys, departureEpochMs, departureParts } from './keys.ts'
import type { FlightInstance, FlightRecord } from './schema.ts'
import { type SlotFinder, slotFinderOf } from './slots.ts'

/** [positives, count] of a cell in the training window. */
export type CellStat = [number, number]

/** Everything needed to turn a raw flight into model inputs; it travels in the model manifest. */
export interface EncoderSpec {
  /** 2: departure slots (the slot cell and the offset from it) */
  version: 2
  /** delay rate of the whole training window: the prior of cells without a parent */
  globalRate: number
  /** pseudo-count pulling a sparse cell's rate toward its parent's */
  smoothing: number
  cells: Record<CellName, Record<string, CellStat>>
  /** embedding vocabulary; index 0 is the out-of-vocabulary bucket */
  airports: string[]
  logDistance: { mean: number; std: number }
}

/** The encoder without its tables: what the manifest carries beside the tables blob. */
export type EncoderParams = Omit<EncoderSpec, 'cells'>

/**
 * The encoder as served: parameters plus a lookup into the opened tables blobs (see tables.ts). The tables of an
 * origin open on demand: await prepare(flights) before encoding them, or a lookup throws ShardNotOpenError.
 */
export interface ServingEncoder extends EncoderParams {
  lookup: CellLookup
  /** opens the shards of these flights' origins that are not open yet (each fetched once) */
  prepare(flights: readonly { origin: string }[]): Promise<void>
  /** the flight's departure slot, from the slot table */
  slotOf: SlotFinder
  /** the keys of a cell table (e.g. the routes seen in training), spelled as cellKeys spells them; of the open shards for a shard table */
  keys(cell: CellName): string[]
}

/** A flight reduced to what the encoder reads, whatever it came from (request, data row, CSV). */
export interface Flight {
  origin: string
  destination: string
  /** actual gate departure, local wall clock as UTC epoch ms */
  departureMs: number
  distance: number
}

export interface EncodedBatch {
  rows: number
  /** row-major [rows, NUMERIC_FEATURES.length] */
  numeric: Float32Array
  /** airport vocabulary indices, 0 = unknown */
  origin: Int32Array
  destination: Int32Array
}

export const NUMERIC_FEATURES: readonly string[] = [
  'departure_sin',
  'departure_cos',
  ...Array.from({ length: 7 }, (_, d) => `day_of_week_${d}`),
  'log_distance_z',
  /** hours since the flight's departure slot (slots.ts); 0 without one */
  'slot_offset_hours',
  /** 1 when the flight has no slot: an unknown route, or nothing scheduled in the hours before */
  'slot_none',
  ...CELL_NAMES.flatMap((c) => [`${c}_rate_logit`, `${c}_log_count`]),
]

/** How a cell's statistics are looked up; training swaps in out-of-fold statistics, serving uses the spec's. */
export type CellLookup = (cell: CellName, key: string, row: number) => CellStat | undefined

const RATE_CLIP = 1e-4

export function fromInstance(i: FlightInstance): Flight {
  return { origin: i.origin, destination: i.destination, departureMs: departureEpochMs(i.departedAt), distance: i.distance }
}

export function fromRecord(r: FlightRecord): Flight {
  return { origin: r.origin, destination: r.destination, departureMs: r.date.getTime(), distance: r.distance }
}

export function specLookup(spec: EncoderSpec): CellLookup {
  return (cell, key) => spec.cells[cell][key]
}

function airportIndexer(spec: EncoderParams): (code: string) => number {
  const index = new Map(spec.airports.map((a, i) => [a, i]))
  return (code) => index.get(code) ?? 0
}

const indexers = new WeakMap<EncoderParams, (code: string) => number>()
const slotFinders = new WeakMap<EncoderSpec, SlotFinder>()

function specSlotFinder(spec: EncoderSpec): SlotFinder {
  let finder = slotFinders.get(spec)
  if (!finder) {
    finder = slotFinderOf(Object.keys(spec.cells.slot))
    slotFinders.set(spec, finder)
  }
  return finder
}

/** Encodes flights into the model's input tensors. The one code path of training, edge and browser. */
export function encodeFlights(
  flights: readonly Flight[],
  spec: EncoderSpec | ServingEncoder,
  lookup: CellLookup = 'lookup' in spec ? spec.lookup : specLookup(spec),
): EncodedBatch {
  let indexOf = indexers.get(spec)
  if (!indexOf) {
    indexOf = airportIndexer(spec)
    indexers.set(spec, indexOf)
  }
  const width = NUMERIC_FEATURES.length
  const numeric = new Float32Array(flights.length * width)
  const origin = new Int32Array(flights.length)
  const destination = new Int32Array(flights.length)
  const slotOf = 'slotOf' in spec ? spec.slotOf : specSlotFinder(spec)
  const rates = {} as Record<CellName, number>
  for (let r = 0; r < flights.length; r++) {
    const f = flights[r]
    const parts = departureParts(f.departureMs)
    const o = r * width
    const angle = (2 * Math.PI * parts.minuteOfDay) / 1440
    numeric[o] = Math.sin(angle)
    numeric[o + 1] = Math.cos(angle)
    numeric[o + 2 + parts.dayOfWeek] = 1
    numeric[o + 9] = (Math.log(f.distance) - spec.logDistance.mean) / spec.logDistance.std
    const slot = slotOf(`${f.origin}-${f.destination}`, parts.minuteOfDay)
    numeric[o + 10] = slot < 0 ? 0 : (parts.minuteOfDay - slot) / 60
    numeric[o + 11] = slot < 0 ? 1 : 0
    const keys = cellKeys(f.origin, f.destination, parts, slot)
    let c = o + 12
    for (const cell of CELL_NAMES) {
      const parent = CELL_PARENT[cell]
      const prior = parent === null ? spec.globalRate : rates[parent]
      const stat = lookup(cell, keys[cell], r)
      const positives = stat ? stat[0] : 0
      const count = stat ? stat[1] : 0
      const rate = (positives + spec.smoothing * prior) / (count + spec.smoothing)
      rates[cell] = rate
      const p = Math.min(1 - RATE_CLIP, Math.max(RATE_CLIP, rate))
      numeric[c] = Math.log(p / (1 - p))
      numeric[c + 1] = Math.log1p(count) / 10
      c += 2
    }
    origin[r] = indexOf(f.origin)
    destination[r] = indexOf(f.destination)
  }
  return { rows: flights.length, numeric, origin, destination }
}
