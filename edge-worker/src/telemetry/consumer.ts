import { inArray, sql } from 'drizzle-orm'
import type { BatchItem } from 'drizzle-orm/batch'
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core'
import { captureEvents } from '../capture/capture.ts'
import { database } from '../db/client.ts'
import { failures, predictions, profileCounts } from '../db/schema.ts'
import { readManifest } from '../models/loader.ts'
import { type FailureEvent, hourBucket, type PredictionEvent, telemetryMessageSchema } from './events.ts'
import { type BinCount, countEvents, ERRORS_FEATURE, edgeProfileSpec, ROWS_FEATURE } from './profile.ts'

/** D1 binds at most 100 parameters per statement. */
const MAX_PARAMS = 100

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

/**
 * Captures the sampled rows into R2 (capture/capture.ts), then merges the batch's aggregates into D1 exactly once. Events already stored are skipped; the rest are
 * inserted together with their profile counts in ONE D1 batch (a transaction). The predictions and
 * failures primary keys are the event ids, so if a concurrent delivery stored an event in the meantime
 * the insert fails, the transaction rolls back, and the retried batch skips it: nothing is counted twice.
 */
export async function consumeTelemetry(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const fresh = new Map<string, PredictionEvent>()
  const failed = new Map<string, FailureEvent>()
  for (const message of batch.messages) {
    const parsed = telemetryMessageSchema.safeParse(message.body)
    if (!parsed.success) {
      // a malformed event would fail on every retry: drop it loudly instead
      console.error(JSON.stringify({ event: 'telemetry_rejected', messageId: message.id, issues: parsed.error.issues.slice(0, 3) }))
    } else if ('kind' in parsed.data) failed.set(parsed.data.eventId, parsed.data)
    else fresh.set(parsed.data.eventId, parsed.data)
  }
  const db = database(env.DB)
  await dropStored(db, fresh, predictions.eventId)
  await dropStored(db, failed, failures.eventId)
  if (fresh.size === 0 && failed.size === 0) return

  const events = [...fresh.values()]
  const captured = await captureEvents(env, events)
  const statements: BatchItem<'sqlite'>[] = []
  const predictionRows = events.map((e) => ({
    eventId: e.eventId,
    predictionId: e.predictionId,
    role: e.role,
    source: e.source,
    engine: e.engine,
    model: e.model,
    version: e.version,
    probability: e.probability,
    hour: hourBucket(e.at),
    createdAt: e.at,
    keyHash: e.keyHash,
    capture: captured.get(e.eventId) ?? null,
  }))
  for (const rows of chunks(predictionRows, Math.floor(MAX_PARAMS / 12))) statements.push(db.insert(predictions).values(rows))
  const failureRows = [...failed.values()].map(({ kind: _, at, ...f }) => ({ ...f, hour: hourBucket(at), createdAt: at }))
  for (const rows of chunks(failureRows, Math.floor(MAX_PARAMS / 8))) statements.push(db.insert(failures).values(rows))

  const countRows = (await Promise.all([...groupByProfile(events)].map(([, group]) => profileRows(env, group)))).flat()
  for (const f of failureRows)
    countRows.push({ model: f.model, version: f.version, hour: f.hour, feature: ERRORS_FEATURE, bin: 0, count: f.rows })
  for (const rows of chunks(countRows, Math.floor(MAX_PARAMS / 6))) {
    statements.push(
      db
        .insert(profileCounts)
        .values(rows)
        .onConflictDoUpdate({
          target: [profileCounts.model, profileCounts.version, profileCounts.hour, profileCounts.feature, profileCounts.bin],
          set: { count: sql`${profileCounts.count} + excluded.count` },
        }),
    )
  }
  await db.batch(statements as [BatchItem<'sqlite'>, ...BatchItem<'sqlite'>[]])
}

/** Removes from `events` those whose id is already in the table (a redelivery). */
async function dropStored(db: ReturnType<typeof database>, events: Map<string, unknown>, idColumn: SQLiteColumn): Promise<void> {
  for (const ids of chunks([...events.keys()], MAX_PARAMS)) {
    const seen = await db.select({ id: idColumn }).from(idColumn.table).where(inArray(idColumn, ids))
    for (const { id } of seen) events.delete(id as string)
  }
}

function groupByProfile(events: readonly PredictionEvent[]): Map<string, PredictionEvent[]> {
  const groups = new Map<string, PredictionEvent[]>()
  for (const e of events) {
    const key = `${e.model}\u0000${e.version}\u0000${hourBucket(e.at)}`
    const group = groups.get(key)
    if (group) group.push(e)
    else groups.set(key, [e])
  }
  return groups
}

async function profileRows(env: Env, group: PredictionEvent[]) {
  const { model, version, at } = group[0]
  const hour = hourBucket(at)
  let counts: BinCount[]
  try {
    const manifest = await readManifest(env, model, version)
    counts = countEvents(edgeProfileSpec(manifest.referenceProfile), group)
  } catch (error) {
    // e.g. a browser reporting a version this edge never published: keep the row count, skip the bins
    console.error(
      JSON.stringify({ event: 'profile_unavailable', model, version, message: error instanceof Error ? error.message : String(error) }),
    )
    counts = [{ feature: ROWS_FEATURE, bin: 0, count: group.length }]
  }
  return counts.map((c) => ({ model, version, hour, ...c }))
}
