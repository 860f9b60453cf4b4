import { createHash } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdir, rename, rm } from 'node:fs/promises'
import path from 'node:path'
import { createWorkerClient, WorkerError } from '@tarmac/sdk/client/worker'
import type { CapturePage, LabelledRow } from '@tarmac/sdk/contracts/capture'
import { DELAY_THRESHOLD_MINUTES } from '@tarmac/sdk/features'
import { UserInputError, userFacing } from '../errors.ts'
import { type Lineage, writeLineage } from './lineage.ts'

export interface PullOptions {
  worker: string
  adminKey: string
  model: string
  /** epoch ms, [from, to) of event time */
  from: number
  to: number
  role?: 'served' | 'shadow'
  /** folder the data version is written to */
  dir: string
  pageRows?: number
  log?: (line: string) => void
}

export interface Pulled {
  file: string
  lineage: Lineage
}

/** A labelled capture row as a row of the data set: the actual departure is `date`, as in the bundled file. */
function toRecord(r: LabelledRow) {
  const { origin, destination, departedAt, distance } = r.instance
  const delay = r.delay ?? (r.delayed ? DELAY_THRESHOLD_MINUTES : 0)
  return {
    date: departedAt,
    delay,
    distance,
    origin,
    destination,
    prediction_id: r.predictionId,
    model_version: r.version,
    probability: r.probability,
  }
}

async function fetchPage(o: Omit<PullOptions, 'dir' | 'log'>, cursor: string | null): Promise<CapturePage> {
  const client = createWorkerClient({ endpoint: o.worker, adminKey: o.adminKey })
  const query = {
    from: new Date(o.from).toISOString(),
    to: new Date(o.to).toISOString(),
    role: o.role ?? 'served',
    limit: String(o.pageRows ?? 10_000),
  }
  try {
    return await client.admin.capture(o.model, cursor ? { ...query, cursor } : query)
  } catch (error) {
    if (error instanceof WorkerError && error.status === 401)
      throw new UserInputError(`${o.worker}: the admin key was refused (TARMAC_ADMIN_KEY)`)
    throw userFacing(error)
  }
}

/** A model's captured, labelled rows for a window, one page at a time as the Worker yields them. */
export async function* capturePages(o: Omit<PullOptions, 'dir' | 'log'>): AsyncGenerator<CapturePage> {
  let cursor: string | null = null
  do {
    const page: CapturePage = await fetchPage(o, cursor)
    yield page
    cursor = page.cursor
  } while (cursor)
}

const HOUR_MS = 3_600_000

/**
 * Capture objects are named by a hash of their (random) event ids, so the Worker yields an hour's rows in an order
 * no two deployments share. Within an hour, rows are put in the order of what they hold, which makes the file, and
 * a model trained on it with a given seed, the same for the same flights and labels (two replays of one month).
 */
function canonicalOrder(a: { at: number; line: string }, b: { at: number; line: string }): number {
  return a.at - b.at || (a.line < b.line ? -1 : a.line > b.line ? 1 : 0)
}

/**
 * Streams a model's captured, labelled rows for a window from the Worker into a new data version: a JSON Lines
 * file in the data set's columns (plus the prediction it came from), named by its content, with its lineage
 * beside it. Rows are written an event hour at a time (the Worker yields hours in order), so memory holds one
 * hour and one page.
 */
export async function pullCapture(o: PullOptions): Promise<Pulled> {
  await mkdir(o.dir, { recursive: true })
  const tmp = path.join(o.dir, `.pull-${process.pid}-${Date.now()}.jsonl`)
  const out = createWriteStream(tmp)
  const hash = createHash('sha256')
  const seen = new Set<string>()
  const sampleRates = new Set<number>()
  let captured = 0
  let delayFromLabel = 0
  // the event hour being gathered (-1: none yet), and its rows
  let hour = -1
  let rows: { at: number; line: string }[] = []
  const flush = async () => {
    const chunk = rows
      .sort(canonicalOrder)
      .map((r) => r.line)
      .join('')
    rows = []
    hash.update(chunk)
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()))
  }
  try {
    for await (const page of capturePages(o)) {
      captured += page.captured
      for (const rate of page.sampleRates) sampleRates.add(rate)
      for (const row of page.rows) {
        // the Worker yields each row once; a second copy would be a bug there, and must not weight a row twice
        if (seen.has(row.eventId)) throw new Error(`${o.worker} returned event ${row.eventId} twice`)
        seen.add(row.eventId)
        if (row.delay === null) delayFromLabel++
        const index = Math.floor(row.at / HOUR_MS)
        if (index < hour) throw new Error(`${o.worker} returned the capture out of hour order`)
        if (index > hour) {
          await flush()
          hour = index
        }
        rows.push({ at: row.at, line: `${JSON.stringify(toRecord(row))}\n` })
      }
      o.log?.(`  pulled ${seen.size.toLocaleString('en-US')} labelled of ${captured.toLocaleString('en-US')} captured rows`)
    }
    await flush()
  } catch (error) {
    // nothing half-written stays behind; the writes under way finish first (a destroyed stream errors on them)
    await new Promise<void>((resolve) => out.end(() => resolve()))
    await rm(tmp, { force: true })
    throw error
  }
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())))
  const sha256 = hash.digest('hex')
  const file = path.join(o.dir, `${o.model}-capture-${sha256.slice(0, 16)}.jsonl`)
  await rename(tmp, file)
  const lineage: Lineage = {
    source: { kind: 'capture', worker: o.worker, model: o.model, role: o.role ?? 'served' },
    window: { from: new Date(o.from).toISOString(), to: new Date(o.to).toISOString() },
    rows: seen.size,
    captured,
    labelCoverage: captured > 0 ? seen.size / captured : null,
    sampleRates: [...sampleRates].sort(),
    delayFromLabel,
    pulledAt: new Date().toISOString(),
    sha256,
  }
  await writeLineage(file, lineage)
  return { file, lineage }
}
