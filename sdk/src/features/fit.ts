import { type CellLookup, type CellStat, type EncoderSpec, encodeFlights, type Flight } from './encoder.ts'
import { CELL_NAMES, type CellName, cellKeys, departureParts } from './keys.ts'
import { fitSlots, slotFinderOf } from './slots.ts'

/** Cells seen fewer times in the training window are left out of the encoder: they read their parent's rate, as unseen cells do. */
export const MIN_CELL_COUNT = 2

/**
 * Smaller tables: no route × minute cell, route × hour cells seen 8 times (the slot table is never pruned). Before
 * departure slots this reached 10% of the JSON manifest's gzip size at a cost of 0.06 report AUC, because the
 * minute cell's signal lived in its rare cells; the slots now carry most of that signal, so it costs 0.005 AUC, but
 * the slot table keeps it at 15%. Not the default. Both measured by `npm run bench -- --only encoder`.
 */
export const SIZE_TARGET_MIN_CELL_COUNT: Readonly<Record<CellName, number>> = {
  origin: 2,
  destination: 2,
  route: 2,
  origin_hour: 2,
  destination_hour: 2,
  route_hour: 8,
  flight: Number.POSITIVE_INFINITY,
  slot: 0,
}

export interface FitOptions {
  /** pseudo-count of the smoothing toward the parent cell */
  smoothing?: number
  /** airports seen fewer times than this share the out-of-vocabulary embedding */
  minAirportCount?: number
  /** folds of the out-of-fold encoding of the training rows: whole weeks of departures, taken round-robin */
  folds?: number
  /** cells seen fewer times are left out (one number for every cell, or per cell); training lookups drop them too */
  minCellCount?: number | Readonly<Record<CellName, number>>
}

export interface FittedEncoder {
  spec: EncoderSpec
  /** the training rows encoded out-of-fold: each row's own fold never informs its cell rates */
  lookup: CellLookup
}

const WEEK_MS = 7 * 86_400_000
/** 1970-01-01 was a Thursday: shifting by 3 days makes blocks run Monday to Sunday. */
const MONDAY_SHIFT_MS = 3 * 86_400_000

/**
 * The fold of a departure: its Monday-to-Sunday week, weeks dealt round-robin into `folds`. A training row's
 * rates then come from other weeks only, as a served flight's come from weeks before it; folds by row would
 * let a row read the same day's delays through its neighbours (a storm, a hub's bad morning).
 */
export function foldOf(departureMs: number, folds: number): number {
  const week = Math.floor((departureMs + MONDAY_SHIFT_MS) / WEEK_MS)
  return ((week % folds) + folds) % folds
}

/**
 * Fits the encoder on the training window: cell delay rates, airport vocabulary, distance scale.
 * Returns the serving spec and an out-of-fold lookup for encoding the same rows for training,
 * so the model never learns from a rate its own label contributed to.
 */
export function fitEncoder(flights: readonly Flight[], labels: ArrayLike<number>, options: FitOptions = {}): FittedEncoder {
  const smoothing = options.smoothing ?? 20
  const folds = options.folds ?? 5
  const minAirportCount = options.minAirportCount ?? 50
  const min = options.minCellCount ?? MIN_CELL_COUNT
  // the slot table is the set of slots: pruning it would move flights to another slot than training saw
  const minCellCount = (cell: CellName) => (cell === 'slot' ? 0 : typeof min === 'number' ? min : min[cell])
  if (flights.length === 0) throw new Error('cannot fit an encoder on an empty training window')
  const totals = Object.fromEntries(CELL_NAMES.map((c) => [c, new Map<string, Int32Array>()])) as Record<CellName, Map<string, Int32Array>>
  const airportCounts = new Map<string, number>()
  let positives = 0
  let logSum = 0
  let logSumSq = 0
  const rowKeys: Record<CellName, string>[] = new Array(flights.length)
  const slotOf = slotFinderOf(fitSlots(flights))
  for (let r = 0; r < flights.length; r++) {
    const f = flights[r]
    const y = labels[r]
    positives += y
    const ld = Math.log(f.distance)
    logSum += ld
    logSumSq += ld * ld
    airportCounts.set(f.origin, (airportCounts.get(f.origin) ?? 0) + 1)
    airportCounts.set(f.destination, (airportCounts.get(f.destination) ?? 0) + 1)
    const parts = departureParts(f.departureMs)
    const keys = cellKeys(f.origin, f.destination, parts, slotOf(`${f.origin}-${f.destination}`, parts.minuteOfDay))
    rowKeys[r] = keys
    const fold = foldOf(f.departureMs, folds)
    for (const cell of CELL_NAMES) {
      if (keys[cell] === '') continue
      const table = totals[cell]
      let acc = table.get(keys[cell])
      if (!acc) {
        // [positives, count] overall, then per fold
        acc = new Int32Array(2 + 2 * folds)
        table.set(keys[cell], acc)
      }
      acc[0] += y
      acc[1] += 1
      acc[2 + 2 * fold] += y
      acc[3 + 2 * fold] += 1
    }
  }
  const n = flights.length
  const mean = logSum / n
  const std = Math.sqrt(Math.max(logSumSq / n - mean * mean, 1e-12))
  const cells = {} as Record<CellName, Record<string, CellStat>>
  for (const cell of CELL_NAMES) {
    const out: Record<string, CellStat> = {}
    for (const [key, acc] of [...totals[cell].entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      if (acc[1] >= minCellCount(cell)) out[key] = [acc[0], acc[1]]
    }
    cells[cell] = out
  }
  const airports = [
    '',
    ...[...airportCounts.entries()]
      .filter(([, c]) => c >= minAirportCount)
      .map(([a]) => a)
      .sort(),
  ]
  const spec: EncoderSpec = {
    version: 2,
    globalRate: positives / n,
    smoothing,
    cells,
    airports,
    logDistance: { mean, std },
  }
  const lookup: CellLookup = (cell, key, row) => {
    const acc = totals[cell].get(key)
    if (acc && acc[1] < minCellCount(cell)) return undefined
    if (!acc || row >= rowKeys.length || rowKeys[row][cell] !== key) return acc ? [acc[0], acc[1]] : undefined
    const fold = foldOf(flights[row].departureMs, folds)
    return [acc[0] - acc[2 + 2 * fold], acc[1] - acc[3 + 2 * fold]]
  }
  return { spec, lookup }
}

/**
 * Encodes rows the encoder was fitted on, out of fold: all of them, or those at `positions` (a sample of
 * them, in that order). Out-of-fold lookups are keyed by position in the fitted set, hence the remap.
 */
export function encodeTrainingRows(fitted: FittedEncoder, flights: readonly Flight[], positions?: ArrayLike<number>) {
  if (!positions) return encodeFlights(flights, fitted.spec, fitted.lookup)
  return encodeFlights(
    Array.from(positions, (i) => flights[i]),
    fitted.spec,
    (cell, key, row) => fitted.lookup(cell, key, positions[row]),
  )
}
