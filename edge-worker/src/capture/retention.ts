import { inArray, lt, or } from 'drizzle-orm'
import { database } from '../db/client.ts'
import { feedback, predictions } from '../db/schema.ts'
import { captureConfigOf } from './config.ts'

const DAY_MS = 86_400_000

/**
 * D1 keeps one small row per prediction only while it can still be labelled or pulled: after
 * CAPTURE_RETENTION_DAYS (by event time) the row and its label go, as the R2 lifecycle rule on capture/
 * deletes the captured features after the same age. The hourly profile counts and performance records stay.
 */
export async function purgeExpired(env: Env, at: number): Promise<{ cutoff: number }> {
  const cutoff = at - captureConfigOf(env).retentionDays * DAY_MS
  const db = database(env.DB)
  const expired = db.select({ id: predictions.predictionId }).from(predictions).where(lt(predictions.createdAt, cutoff))
  // labels go with their predictions (first), and labels that never found one go after the same age
  await db.batch([
    db.delete(feedback).where(or(inArray(feedback.predictionId, expired), lt(feedback.createdAt, cutoff))),
    db.delete(predictions).where(lt(predictions.createdAt, cutoff)),
  ])
  return { cutoff }
}
