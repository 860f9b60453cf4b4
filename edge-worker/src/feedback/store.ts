import { isDelayed } from '@tarmac/sdk/features'
import { and, eq, inArray } from 'drizzle-orm'
import type { BatchItem } from 'drizzle-orm/batch'
import { database } from '../db/client.ts'
import { feedback, feedbackAudit, predictions } from '../db/schema.ts'
import { ApiError } from '../errors.ts'

/** feedback.key_hash of an admin correction: it joins whoever made the prediction. */
export const ADMIN_LABEL = 'admin'

export interface Outcome {
  predictionId: string
  delayed?: boolean
  delay?: number
}

export interface Reporter {
  /** truncated hash of the caller's key (AppEnv callerKey) */
  keyHash: string
  /** the admin's reason when the call is an explicit correction (X-Tarmac-Correction with the admin key) */
  correction: string | null
}

export interface Stored {
  predictionId: string
  delayed: boolean
  matched: boolean
  prediction: { model: string; version: number; probability: number } | null
}

/** D1 binds at most 100 parameters per statement: match ids in chunks well under it. */
const ID_CHUNK = 90

type Db = ReturnType<typeof database>

async function byChunks<T>(ids: readonly string[], query: (ids: string[]) => Promise<T[]>): Promise<T[]> {
  const out: T[] = []
  for (let i = 0; i < ids.length; i += ID_CHUNK) out.push(...(await query(ids.slice(i, i + ID_CHUNK))))
  return out
}

const servedRows = (db: Db, ids: string[]) =>
  db
    .select({
      id: predictions.predictionId,
      keyHash: predictions.keyHash,
      model: predictions.model,
      version: predictions.version,
      probability: predictions.probability,
    })
    .from(predictions)
    .where(and(inArray(predictions.predictionId, ids), eq(predictions.role, 'served')))

const storedLabels = (db: Db, ids: string[]) => db.select().from(feedback).where(inArray(feedback.predictionId, ids))

/**
 * Stores each prediction's outcome once, all or nothing. A label is refused when the prediction was made with
 * another key (403), or when a different label is already stored (409) unless the admin corrects it, which
 * leaves an audit row. Reporting the same label again is accepted and changes nothing, so a client may retry.
 * A label that arrives before its prediction left the queue is stored with the reporter's key hash and joins
 * only a prediction made with that key.
 */
export async function storeOutcomes(env: Env, outcomes: readonly Outcome[], reporter: Reporter, field: (i: number) => string) {
  const db = database(env.DB)
  const now = Date.now()
  const rows = outcomes.map((o) => ({
    predictionId: o.predictionId,
    delayed: o.delayed ?? isDelayed(o.delay as number),
    delay: o.delay ?? null,
    createdAt: now,
    keyHash: reporter.correction === null ? reporter.keyHash : ADMIN_LABEL,
  }))
  const ids = [...new Set(rows.map((r) => r.predictionId))]
  const served = new Map((await byChunks(ids, (c) => servedRows(db, c))).map((p) => [p.id, p]))
  const existing = new Map((await byChunks(ids, (c) => storedLabels(db, c))).map((f) => [f.predictionId, f]))
  const writes: BatchItem<'sqlite'>[] = []
  const seen = new Map<string, (typeof rows)[number]>()
  rows.forEach((row, i) => {
    const prediction = served.get(row.predictionId)
    if (reporter.correction === null && prediction && prediction.keyHash !== reporter.keyHash)
      throw new ApiError(403, 'forbidden', 'this prediction was made with another key; only that caller may label it', field(i))
    const previous = seen.get(row.predictionId) ?? existing.get(row.predictionId)
    const same = previous && previous.delayed === row.delayed && (previous.delay ?? null) === row.delay
    if (previous && same && reporter.correction === null) return
    if (previous && reporter.correction === null)
      throw new ApiError(
        409,
        'label_exists',
        'a different outcome is already stored for this prediction; the admin may correct it',
        field(i),
      )
    seen.set(row.predictionId, row)
    if (reporter.correction === null) writes.push(db.insert(feedback).values(row).onConflictDoNothing())
    else {
      const { predictionId, ...set } = row
      writes.push(db.insert(feedback).values(row).onConflictDoUpdate({ target: feedback.predictionId, set }))
      writes.push(
        db.insert(feedbackAudit).values({
          predictionId,
          previousDelayed: previous?.delayed ?? null,
          previousDelay: previous?.delay ?? null,
          delayed: row.delayed,
          delay: row.delay,
          reason: reporter.correction,
          at: now,
        }),
      )
    }
  })
  const [first, ...rest] = writes
  if (first) await db.batch([first, ...rest])
  return rows.map((r): Stored => {
    const prediction = served.get(r.predictionId)
    return {
      predictionId: r.predictionId,
      delayed: (seen.get(r.predictionId) ?? existing.get(r.predictionId) ?? r).delayed,
      matched: prediction !== undefined,
      prediction: prediction ? { model: prediction.model, version: prediction.version, probability: prediction.probability } : null,
    }
  })
}
