import { createWorkerClient } from '@tarmac/sdk/client/worker'
import { seededPermutation } from '@tarmac/sdk/random'
import { type FlightColumns, pickRows } from '../data/dataset.ts'
import { userFacing } from '../errors.ts'

const DAY_MS = 86_400_000

export interface ReplayTarget {
  url: string
  adminKey: string
  model: string
}

export interface ReplayOptions {
  /** send the flights of one route in `sampleEvery` (1 = every flight; see replaysRoute) */
  sampleEvery: number
  /** labels (the real delays) reach the Worker this many replayed days after the flight */
  labelDelayDays: number
  /** a checkpoint every this many replayed days: the labels due are sent, then `onCheckpoint` runs */
  checkpointDays: number
  /** log progress every this many replayed days (default: every checkpoint) */
  progressEveryDays?: number
  batchSize: number
  concurrency: number
  log: (line: string) => void
  /**
   * Stream mode: flights go to POST /v1/streams/{stream}/events as departure events (prediction id
   * `<stream>:<event id>`), and `settle` waits for the consumer to score a window before its labels are sent.
   */
  stream?: { name: string; settle: (from: number, to: number, events: number) => Promise<void> }
  /** called at each checkpoint with the replayed window [from, to), the predictions sent in it, and whether it is the last */
  onCheckpoint: (from: number, to: number, predictions: number, last: boolean) => Promise<void>
}

/**
 * Whether a sampled replay sends this route's flights: one route in `every`, by a hash of its name. Sampling
 * whole routes rather than flights keeps each replayed route's traffic as a Worker serving it would see it
 * (every departure), so what is learned from the capture — a route's departure slots above all — is learned from
 * the full schedule, not a twentieth of it.
 */
export function replaysRoute(origin: string, destination: string, every: number): boolean {
  if (every <= 1) return true
  let h = 0x811c9dc5 // FNV-1a
  for (const ch of `${origin}-${destination}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193)
  return (h >>> 0) % every === 0
}

/** The flights a replay sampling one route in `every` sends. */
export function replayedFlights(flights: FlightColumns, every: number): FlightColumns {
  const keep: number[] = []
  for (let i = 0; i < flights.size; i++) if (replaysRoute(flights.origin[i], flights.destination[i], every)) keep.push(i)
  return pickRows(flights, keep)
}

export interface ReplayStats {
  predictions: number
  labels: number
  seconds: number
  /** served versions, by how many predictions each answered */
  versions: Record<string, number>
}

const rethrow = (error: unknown): never => {
  throw userFacing(error)
}

/** Runs `work` over items with at most `limit` in flight. */
async function pool<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++])
    }),
  )
}

/**
 * When the replay sends a flight's label: the start of the day `labelDelayDays` after its departure day ends. A
 * checkpoint at `to` has the labels due before `to`.
 */
export const labelDue = (departureMs: number, labelDelayDays: number) =>
  Math.floor(departureMs / DAY_MS) * DAY_MS + (labelDelayDays + 1) * DAY_MS

/**
 * Replays a window of real flights through the Worker as production traffic on a replayed clock, one
 * checkpoint window at a time: predictions dated by their departure, each flight's real delay sent as feedback
 * once `labelDelayDays` have passed on that clock, then telemetry drained and monitoring run by `onCheckpoint`.
 */
export async function replayTraffic(target: ReplayTarget, flights: FlightColumns, o: ReplayOptions): Promise<ReplayStats> {
  const started = performance.now()
  // the admin key: not rate limited, and may date telemetry by each flight's departure; a busy local Worker is
  // retried with backoff, a client error is a bug in the replay, a Worker that stays down the user's to fix
  const worker = createWorkerClient({ endpoint: target.url, adminKey: target.adminKey, attempts: 4, backoffMs: (a) => 200 * 2 ** a })
  const stats: ReplayStats = { predictions: 0, labels: 0, seconds: 0, versions: {} }
  if (flights.size === 0) return stats
  const firstDay = Math.floor(flights.departureMs[0] / DAY_MS) * DAY_MS
  const end = flights.departureMs[flights.size - 1] + 1
  let pending: { predictionId: string; delay: number; due: number }[] = []
  const sendLabels = async (until: number) => {
    const due = pending.filter((l) => l.due < until)
    pending = pending.filter((l) => l.due >= until)
    const batches: { predictionId: string; delay: number }[][] = []
    for (let i = 0; i < due.length; i += o.batchSize)
      batches.push(due.slice(i, i + o.batchSize).map(({ predictionId, delay }) => ({ predictionId, delay })))
    await pool(batches, o.concurrency, async (outcomes) => {
      await worker.feedback(outcomes).catch(rethrow)
      stats.labels += outcomes.length
    })
  }
  const queueLabel = (predictionId: string, r: number) => {
    if (Number.isNaN(flights.delay[r])) return
    pending.push({ predictionId, delay: flights.delay[r], due: labelDue(flights.departureMs[r], o.labelDelayDays) })
  }
  let row = 0
  let requestNo = 0
  for (let from = firstDay; from < end; from += o.checkpointDays * DAY_MS) {
    const to = Math.min(from + o.checkpointDays * DAY_MS, Math.ceil(end / DAY_MS) * DAY_MS)
    const rows: number[] = []
    for (; row < flights.size && flights.departureMs[row] < to; row++)
      if (replaysRoute(flights.origin[row], flights.destination[row], o.sampleEvery)) rows.push(row)
    // requests carry flights from across the window in a seeded random order, so a canary's share of
    // requests is a fair sample of the window's traffic (each flight is still dated by its departure)
    const order = seededPermutation(rows.length, from / DAY_MS)
    const batches: number[][] = []
    for (let i = 0; i < rows.length; i += o.batchSize) batches.push(Array.from(order.subarray(i, i + o.batchSize), (k) => rows[k]))
    await pool(batches, o.concurrency, async (batch) => {
      const instances = batch.map((r) => ({
        origin: flights.origin[r],
        destination: flights.destination[r],
        departedAt: new Date(flights.departureMs[r]).toISOString(),
        distance: flights.distance[r],
      }))
      if (o.stream) {
        const { name } = o.stream
        const events = batch.map((r, i) => ({ id: `f${r}`, model: target.model, instance: instances[i] }))
        await worker.streamEvents(name, events).catch(rethrow)
        stats.predictions += batch.length
        for (const r of batch) queueLabel(`${name}:f${r}`, r)
        return
      }
      // each request stands for another caller, so a canary splits the replay by its configured share
      const body = await worker
        .predict(target.model, instances, { eventTime: 'departure', requestKey: `replay-${requestNo++}` })
        .catch(rethrow)
      stats.predictions += batch.length
      stats.versions[body.model.version] = (stats.versions[body.model.version] ?? 0) + batch.length
      for (const [i, p] of body.predictions.entries()) queueLabel(p.id, batch[i])
    })
    // streamed events are scored asynchronously: labels for them are refused until their predictions are stored
    await o.stream?.settle(from, to, rows.length)
    await sendLabels(to)
    const progressDays = o.progressEveryDays ?? o.checkpointDays
    if ((to - firstDay) % (progressDays * DAY_MS) === 0 || to >= end)
      o.log(
        `replay ${new Date(Math.max(firstDay, to - progressDays * DAY_MS)).toISOString().slice(0, 10)}..${new Date(to - DAY_MS).toISOString().slice(0, 10)}: ${stats.predictions.toLocaleString('en-US')} predictions, ${stats.labels.toLocaleString('en-US')} labels, ${((performance.now() - started) / 1000).toFixed(0)}s`,
      )
    await o.onCheckpoint(from, to, rows.length, to >= end)
  }
  // the labels still in flight when the replay ends arrive too
  await sendLabels(Number.POSITIVE_INFINITY)
  stats.seconds = (performance.now() - started) / 1000
  return stats
}
