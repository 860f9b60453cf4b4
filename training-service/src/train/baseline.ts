import { DELAY_THRESHOLD_MINUTES, departureParts } from '@tarmac/sdk/features'
import type { FlightColumns } from '../data/dataset.ts'

/**
 * The bar every model must beat: the training window's delay rate of the flight's (origin, departure hour)
 * cell, the global rate for cells never seen.
 */
export function originHourBaseline(train: FlightColumns, validate: FlightColumns): { scores: Float32Array; labels: Uint8Array } {
  const cells = new Map<string, [number, number]>()
  let delayed = 0
  let labelled = 0
  const key = (c: FlightColumns, i: number) => `${c.origin[i]}@${departureParts(c.departureMs[i]).hour}`
  for (let i = 0; i < train.size; i++) {
    if (Number.isNaN(train.delay[i])) continue
    const y = train.delay[i] >= DELAY_THRESHOLD_MINUTES ? 1 : 0
    const k = key(train, i)
    const s = cells.get(k) ?? [0, 0]
    s[0] += y
    s[1] += 1
    cells.set(k, s)
    delayed += y
    labelled++
  }
  const globalRate = delayed / labelled
  const scores: number[] = []
  const labels: number[] = []
  for (let i = 0; i < validate.size; i++) {
    if (Number.isNaN(validate.delay[i])) continue
    const s = cells.get(key(validate, i))
    scores.push(s ? s[0] / s[1] : globalRate)
    labels.push(validate.delay[i] >= DELAY_THRESHOLD_MINUTES ? 1 : 0)
  }
  return { scores: Float32Array.from(scores), labels: Uint8Array.from(labels) }
}
