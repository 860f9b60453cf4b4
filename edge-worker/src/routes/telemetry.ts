import { createRoute } from '@hono/zod-openapi'
import { type TelemetryPrediction, telemetryRequestSchema, telemetryResponseSchema } from '@tarmac/sdk/contracts/telemetry'
import { fromInstance } from '@tarmac/sdk/features'
import type { Context } from 'hono'
import type { AppEnv } from '../app-env.ts'
import { keyMatches } from '../auth/hash.ts'
import { ApiError } from '../errors.ts'
import { record } from '../inference.ts'
import { readManifest } from '../models/loader.ts'
import { instanceOf, type PredictionEvent, rawFeatures } from '../telemetry/events.ts'
import { checkBatchSize, createRouter, errors, pick } from './router.ts'

const telemetryRequest = telemetryRequestSchema.openapi('TelemetryRequest')

const route = createRoute({
  method: 'post',
  path: '/v1/telemetry',
  summary: 'Intake of on-device (browser) predictions',
  request: { body: { content: { 'application/json': { schema: telemetryRequest } }, required: true } },
  responses: {
    202: {
      description: 'Queued for aggregation',
      content: { 'application/json': { schema: telemetryResponseSchema.openapi('TelemetryResponse') } },
    },
    ...pick(errors, [400, 401, 413, 429]),
    422: {
      description: 'A prediction names a version that was never published, or is dated outside the accepted window',
      content: errors[400].content,
    },
  },
})

/** A device clock may lag a little behind; this far ahead it is wrong (or lying). */
const MAX_CLOCK_SKEW_MS = 5 * 60_000

type Reported = TelemetryPrediction

/**
 * Browser telemetry moves the same drift, realized-AUC and canary figures as the edge's own, so it is held to
 * the manifest: the version must be published and the event dated inside [now − TELEMETRY_MAX_AGE_HOURS, now]
 * (a backfill needs the admin key). Nothing is queued unless every row passes.
 */
async function checkReported(c: Context<AppEnv>, predictions: Reported[], now: number): Promise<void> {
  const admin = c.req.header('X-Tarmac-Admin-Key')
  const backfill = admin !== undefined && (await keyMatches(admin, c.env.ADMIN_KEY_SHA256))
  const maxAgeHours = Number(c.env.TELEMETRY_MAX_AGE_HOURS)
  const oldest = now - (Number.isFinite(maxAgeHours) && maxAgeHours > 0 ? maxAgeHours : 24) * 3_600_000
  const known = new Map<string, Promise<boolean>>()
  for (const [i, p] of predictions.entries()) {
    const at = p.at ?? now
    if (!backfill && (at < oldest || at > now + MAX_CLOCK_SKEW_MS))
      throw new ApiError(
        422,
        'out_of_window',
        `must be within the last ${(now - oldest) / 3_600_000} hours (epoch ms)`,
        `predictions.${i}.at`,
      )
    const key = `${p.model.name}@${p.model.version}`
    if (!known.has(key))
      known.set(
        key,
        readManifest(c.env, p.model.name, p.model.version).then(
          () => true,
          () => false,
        ),
      )
    if (!(await known.get(key)))
      throw new ApiError(
        422,
        'unknown_version',
        `${p.model.name} version ${p.model.version} was never published`,
        `predictions.${i}.model.version`,
      )
  }
}

export const telemetryRoutes = createRouter().openapi(route, async (c) => {
  const { predictions } = c.req.valid('json')
  checkBatchSize(c.env, predictions.length, 'predictions')
  const now = Date.now()
  await checkReported(c, predictions, now)
  const events: PredictionEvent[] = predictions.map((p) => ({
    // namespaced so a client cannot collide with (and suppress) an edge event
    eventId: `browser:${p.id}`,
    predictionId: p.id,
    role: 'served',
    source: 'browser',
    engine: p.backend,
    model: p.model.name,
    version: p.model.version,
    // a device clock in the future would land in an hour that has not happened yet
    at: Math.min(p.at ?? now, now),
    latencyMs: p.latencyMs,
    probability: p.probability,
    features: rawFeatures(fromInstance(p.instance)),
    keyHash: c.get('callerKey'),
    instance: instanceOf(fromInstance(p.instance)),
  }))
  c.executionCtx.waitUntil(record(c.env, events))
  return c.json({ accepted: events.length }, 202)
})
