import { encodeFlights, type Flight } from '@tarmac/sdk/features'
import type { ModelManifest } from '@tarmac/sdk/manifest'
import { NoEngineError } from '../../sdk/src/engine/index.ts'
import { configOf } from './config.ts'
import { ApiError } from './errors.ts'
import { routesToChallenger } from './models/canary.ts'
import { CHALLENGER, CHAMPION } from './models/keys.ts'
import { loadModel, ModelUnavailableError, type ServingModel } from './models/loader.ts'
import { writeDataPoints } from './telemetry/analytics.ts'
import { enqueue, type FailureEvent, hourBucket, instanceOf, type PredictionEvent, rawFeatures } from './telemetry/events.ts'

export interface PredictRequest {
  name: string
  flights: Flight[]
  /** hashed stickiness key */
  requestKey: string
  /** hashed key of the caller: the only one (besides the admin) who may label these predictions */
  callerKey: string
  /** when the request arrived (ms), for the latency the telemetry reports */
  startedAt: number
  /** the replayed clock (ms) telemetry is dated by, or each flight's departure; now when absent */
  eventTime?: number | 'departure'
  /** the alias that must answer (a call for one version): no canary routing, no shadow */
  alias?: string
  /** prediction ids, one per flight, when the caller needs them stable (a stream's event ids); fresh otherwise */
  ids?: string[]
}

export interface PredictResult {
  model: { name: string; version: number; alias: string }
  engine: string
  threshold: number
  ids: string[]
  probabilities: Float32Array
}

/**
 * Champion/challenger routing, inference and telemetry shared by every predict route. In canary mode the
 * challenger answers its sticky share; in shadow mode that share is also computed by the challenger
 * after the response, and only recorded. A version that cannot load or run has its rows recorded as
 * failures, the numerator of its error rate.
 */
export async function predictFlights(env: Env, ctx: Pick<ExecutionContext, 'waitUntil'>, req: PredictRequest): Promise<PredictResult> {
  const config = configOf(env)
  const pinned = req.alias ?? CHAMPION
  const champion = await loadModel(env, req.name, pinned).catch((error) => {
    if (error instanceof ModelUnavailableError) ctx.waitUntil(recordFailure(env, req, unavailable(error), 'served', error.code))
    throw error
  })
  if (!champion) throw new ApiError(404, 'model_not_found', `no model '${req.name}' is published`, 'name')
  const role = config.canaryMode === 'canary' ? 'served' : 'shadow'
  const challenger =
    req.alias === undefined && config.canaryMode !== 'off' && routesToChallenger(req.requestKey, config.canaryPercent)
      ? await loadModel(env, req.name, CHALLENGER).catch((error) => {
          // a broken challenger never breaks the champion, but the rows it failed count against it
          if (error instanceof ModelUnavailableError) ctx.waitUntil(recordFailure(env, req, unavailable(error), role, error.code))
          return null
        })
      : null
  const answering = config.canaryMode === 'canary' && challenger ? challenger : champion
  const alias = answering === champion ? pinned : CHALLENGER
  const { probabilities, engine } = await run(answering, req.flights).catch((error) => {
    ctx.waitUntil(recordFailure(env, req, answering.manifest, 'served', error instanceof ApiError ? error.code : 'internal'))
    throw error
  })
  const ids = req.ids ?? req.flights.map(() => crypto.randomUUID())
  const served = events(req, answering, ids, probabilities, engine, 'served')
  ctx.waitUntil(record(env, served))
  if (config.canaryMode === 'shadow' && challenger) ctx.waitUntil(shadow(env, req, challenger, ids))
  const { name, version, threshold } = answering.manifest
  return { model: { name, version, alias }, engine, threshold, ids, probabilities }
}

async function run(model: ServingModel, flights: Flight[]) {
  // the encoder tables of the flights' origins: read from R2 once per isolate, on first use
  await model.encoder.prepare(flights).catch((error) => {
    const { name, version } = model.manifest
    console.error(
      JSON.stringify({
        event: 'encoder_shard_failed',
        model: name,
        version,
        message: error instanceof Error ? error.message : String(error),
      }),
    )
    throw new ApiError(503, 'inference_failed', `the encoder tables of ${name} version ${version} could not be read`)
  })
  try {
    return await model.engines.run(encodeFlights(flights, model.encoder))
  } catch (error) {
    if (!(error instanceof NoEngineError)) throw error
    const { name, version } = model.manifest
    throw new ApiError(503, 'inference_failed', `no engine could run ${name} version ${version}`)
  }
}

async function shadow(env: Env, req: PredictRequest, challenger: ServingModel, ids: string[]): Promise<void> {
  try {
    const { probabilities, engine } = await run(challenger, req.flights)
    await record(env, events(req, challenger, ids, probabilities, engine, 'shadow'))
  } catch (error) {
    const { name, version } = challenger.manifest
    console.error(
      JSON.stringify({ event: 'shadow_failed', model: name, version, message: error instanceof Error ? error.message : String(error) }),
    )
    await recordFailure(env, req, challenger.manifest, 'shadow', error instanceof ApiError ? error.code : 'internal')
  }
}

const unavailable = (error: ModelUnavailableError) => ({ name: error.model, version: error.version })

/** When a flight's telemetry is dated: the replayed clock, its departure, or now. */
function eventTime(req: PredictRequest, f: Flight, now: number): number {
  return req.eventTime === 'departure' ? f.departureMs : (req.eventTime ?? now)
}

/** One failure event per hour bucket the request's rows are dated in. */
function recordFailure(
  env: Env,
  req: PredictRequest,
  model: Pick<ModelManifest, 'name' | 'version'>,
  role: FailureEvent['role'],
  code: string,
): Promise<void> {
  const now = Date.now()
  const byHour = new Map<string, { at: number; rows: number }>()
  for (const f of req.flights) {
    const at = eventTime(req, f, now)
    const hour = hourBucket(at)
    const bucket = byHour.get(hour) ?? { at, rows: 0 }
    bucket.rows++
    byHour.set(hour, bucket)
  }
  const failures = [...byHour.values()].map(
    (b): FailureEvent => ({ kind: 'failure', eventId: crypto.randomUUID(), role, model: model.name, version: model.version, code, ...b }),
  )
  return enqueue(env.TELEMETRY, failures)
}

function events(
  req: PredictRequest,
  model: ServingModel,
  ids: string[],
  probabilities: Float32Array,
  engine: string,
  role: PredictionEvent['role'],
): PredictionEvent[] {
  const now = Date.now()
  const latencyMs = now - req.startedAt
  return req.flights.map((f, i) => ({
    eventId: role === 'served' ? ids[i] : `${ids[i]}:shadow`,
    predictionId: ids[i],
    role,
    source: 'edge',
    engine,
    model: model.manifest.name,
    version: model.manifest.version,
    at: eventTime(req, f, now),
    latencyMs,
    probability: probabilities[i],
    features: rawFeatures(f),
    keyHash: req.callerKey,
    instance: instanceOf(f),
  }))
}

/** Analytics Engine now; the Queue (profiles, feedback join) with the isolate's next telemetry send. */
export function record(env: Env, batch: PredictionEvent[]): Promise<void> {
  writeDataPoints(env.ANALYTICS, batch)
  return enqueue(env.TELEMETRY, batch)
}
