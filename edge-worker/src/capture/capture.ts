import type { CapturedRow } from '@tarmac/sdk/contracts/capture'
import { hourBucket, type PredictionEvent } from '../telemetry/events.ts'
import { captureConfigOf, isSampled } from './config.ts'
import { captureKey, writeCapture } from './store.ts'

/**
 * Writes the sampled events of a consumer batch to R2, one object per (model, hour), and says which object
 * holds each event. Runs before the D1 commit that records those keys: if the commit fails, the retry
 * rewrites the same objects (same events, same keys); an object whose commit never happened is never read.
 */
export async function captureEvents(env: Env, events: readonly PredictionEvent[]): Promise<Map<string, string>> {
  const config = captureConfigOf(env)
  const groups = new Map<string, { model: string; hour: string; rows: CapturedRow[] }>()
  for (const e of events) {
    if (!e.instance || !isSampled(e.predictionId, config.sampleRate(e.model))) continue
    const hour = hourBucket(e.at)
    const id = `${e.model}\u0000${hour}`
    const group = groups.get(id) ?? { model: e.model, hour, rows: [] }
    const { eventId, predictionId, model, version, role, source, engine, probability, at, instance } = e
    group.rows.push({ eventId, predictionId, model, version, role, source, engine, probability, at, instance })
    groups.set(id, group)
  }
  const keys = new Map<string, string>()
  await Promise.all(
    [...groups.values()].map(async ({ model, hour, rows }) => {
      const key = await captureKey(
        model,
        hour,
        rows.map((r) => r.eventId),
      )
      await writeCapture(env.MODELS, key, rows, config.sampleRate(model))
      for (const r of rows) keys.set(r.eventId, key)
    }),
  )
  return keys
}
