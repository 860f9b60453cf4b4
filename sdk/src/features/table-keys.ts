import type { CellName } from './keys.ts'

/**
 * A cell key as the tables store it: cellKeys' spelling (`SFO`, `SFO-LAX`, `SFO@07`, `SFO-LAX@435`) as its
 * airports' indices in a code list and its hour or minute, in mixed radix — exact both ways.
 */

/** hour (two digits) and minute of day share one radix */
export const SUFFIX_RADIX = 1440

type Suffix = 'none' | 'hour' | 'minute'
export interface KeyShape {
  codes: 1 | 2
  suffix: Suffix
}
/** How cellKeys spells each cell: how many airport codes, and what follows the `@`. */
export const KEY_SHAPE: Record<CellName, KeyShape> = {
  origin: { codes: 1, suffix: 'none' },
  destination: { codes: 1, suffix: 'none' },
  route: { codes: 2, suffix: 'none' },
  origin_hour: { codes: 1, suffix: 'hour' },
  destination_hour: { codes: 1, suffix: 'hour' },
  route_hour: { codes: 2, suffix: 'hour' },
  flight: { codes: 2, suffix: 'minute' },
  slot: { codes: 2, suffix: 'minute' },
}

/** -1 when the key cannot be in the tables (unknown airport, malformed, non-canonical). */
export function keyCode(key: string, shape: KeyShape, codes: ReadonlyMap<string, number>, radix: number): number {
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

export function formatKey(k: number, shape: KeyShape, codes: readonly string[], radix: number): string {
  const n = shape.suffix === 'none' ? -1 : k % SUFFIX_RADIX
  const left = shape.suffix === 'none' ? k : Math.floor(k / SUFFIX_RADIX)
  const airports = shape.codes === 2 ? `${codes[Math.floor(left / radix)]}-${codes[left % radix]}` : codes[left]
  if (n < 0) return airports
  return `${airports}@${shape.suffix === 'hour' && n < 10 ? `0${n}` : n}`
}
