import type { CapturePage, LabelledRow } from '@tarmac/sdk/contracts/capture'
import { eq } from 'drizzle-orm'
import { database } from '../db/client.ts'
import { feedback, predictions } from '../db/schema.ts'
import { labelJoin } from '../monitoring/labels.ts'
import { hourBucket } from '../telemetry/events.ts'
import { hourPrefix, modelPrefix, readCapture } from './store.ts'

export interface CaptureWindow {
  model: string
  /** epoch ms, [from, to) of event time */
  from: number
  to: number
  role: 'served' | 'shadow'
  cursor?: string
  limit: number
}

/**
 * One page of a model's labelled capture: whole objects in key (= event hour) order until `limit` rows.
 * A row is read only from the object D1 recorded for it (predictions.capture), so a batch written twice
 * yields its rows once, and only with the label that joins it (the predicting key's, or an admin correction).
 */
export async function readCapturePage(env: Env, w: CaptureWindow): Promise<CapturePage> {
  const db = database(env.DB)
  const end = `${hourPrefix(w.model, hourBucket(w.to - 1))}\uffff`
  let after = w.cursor ?? hourPrefix(w.model, hourBucket(w.from))
  const page: CapturePage = { rows: [], cursor: null, captured: 0, sampleRates: [] }
  for (;;) {
    const listed = await env.MODELS.list({ prefix: modelPrefix(w.model), startAfter: after, limit: 100 })
    for (const { key } of listed.objects) {
      if (key >= end) return page
      after = key
      const object = await readCapture(env.MODELS, key)
      if (!object) continue
      if (!page.sampleRates.includes(object.sampleRate)) page.sampleRates.push(object.sampleRate)
      const joined = await db
        .select({ eventId: predictions.eventId, delayed: feedback.delayed, delay: feedback.delay, labelledAt: feedback.createdAt })
        .from(predictions)
        .leftJoin(feedback, labelJoin)
        .where(eq(predictions.capture, key))
      const labels = new Map(joined.map((j) => [j.eventId, j]))
      for (const row of object.rows) {
        const label = labels.get(row.eventId)
        if (!label || row.role !== w.role || row.at < w.from || row.at >= w.to) continue
        page.captured++
        if (label.delayed === null || label.labelledAt === null) continue
        const labelled: LabelledRow = { ...row, delayed: label.delayed, delay: label.delay, labelledAt: label.labelledAt }
        page.rows.push(labelled)
      }
      if (page.rows.length >= w.limit) {
        page.cursor = key
        return page
      }
    }
    if (!listed.truncated) return page
  }
}
