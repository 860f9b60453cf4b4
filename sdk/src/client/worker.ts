/**
 * The one client of the edge Worker's HTTP API: every caller (the browser SDK, publish, batch `--via`, replay,
 * the monitoring loop, bench, the dashboard) goes through it. Bodies and answers are the sdk contracts; a 429 is
 * retried after its `Retry-After`, a 5xx or a network failure with backoff, each up to `attempts` tries.
 */

import type { z } from 'zod'
import { capturePageSchema } from '../contracts/capture.ts'
import { apiErrorSchema } from '../contracts/errors.ts'
import { type FeedbackRequest, feedbackBatchResponseSchema } from '../contracts/feedback.ts'
import {
  alertListSchema,
  driftReportsSchema,
  performanceWindowsSchema,
  runResultSchema,
  timeseriesSchema,
} from '../contracts/monitoring.ts'
import { oipErrorSchema } from '../contracts/oip.ts'
import { modelStatusSchema, predictResponseSchema } from '../contracts/predict.ts'
import { type DepartureEvent, streamEventsAcceptedSchema } from '../contracts/stream.ts'
import { type TelemetryPrediction, telemetryResponseSchema } from '../contracts/telemetry.ts'
import type { FlightInstance } from '../features/schema.ts'
import { manifestSchema } from '../manifest/index.ts'

export interface WorkerClientOptions {
  /** the Worker's base URL, e.g. http://127.0.0.1:8787 */
  endpoint: string
  /** a predict key, sent as `Authorization: Bearer` on /v1 and /v2 (unless an admin key is given) */
  apiKey?: string
  /** the admin key: the `Authorization: Bearer` of every call, /admin and public routes alike (not rate limited there) */
  adminKey?: string
  /** tries per call while the Worker answers 429, 5xx or cannot be reached (default 3) */
  attempts?: number
  /** wait before try `attempt + 1` after a 5xx or network failure, and the least wait after a 429 (default 250·2^attempt ms) */
  backoffMs?: (attempt: number) => number
  /** a 429 asking for a longer wait than this fails at once (default 60 s) */
  maxRetryAfterMs?: number
  /** headers sent with every call */
  headers?: Record<string, string>
  /** told before each retry, e.g. to log it */
  onRetry?: (attempt: number, failure: Error) => void
  /** the fetch every call goes through (default: the global one); a page's early load answers its own requests */
  fetch?: typeof fetch
}

/** The Worker answered with an error status; `code` and `field` come from its error body. */
export class WorkerError extends Error {
  override name = 'WorkerError'
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    /** from `Retry-After` on a 429 */
    readonly retryAfterMs?: number,
  ) {
    super(message)
  }
}

/** The Worker could not be reached at all. */
export class WorkerUnreachableError extends Error {
  override name = 'WorkerUnreachableError'
}

export interface TimeRange {
  from: number
  to: number
}

interface Call {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE'
  path: string
  query?: Record<string, string | undefined>
  json?: unknown
  bytes?: Uint8Array
  headers?: Record<string, string>
  keepalive?: boolean
  /** browsers: skip the HTTP cache (what on-device predictors do for the manifest and blobs) */
  noStore?: boolean
}

const rangeQuery = (range: TimeRange | undefined) =>
  range ? { from: new Date(range.from).toISOString(), to: new Date(range.to).toISOString() } : {}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** `Retry-After` in seconds or as an HTTP date, in ms. */
function retryAfterMs(header: string | null): number | undefined {
  if (header === null) return undefined
  const seconds = Number(header)
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000)
  const at = Date.parse(header)
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now())
}

async function errorOf(res: Response, what: string): Promise<WorkerError> {
  const body = await res.json().catch(() => null)
  const retryAfter = retryAfterMs(res.headers.get('Retry-After'))
  const tarmac = apiErrorSchema.safeParse(body)
  if (tarmac.success) {
    const { code, message, field } = tarmac.data.error
    return new WorkerError(res.status, code, `${what}: ${res.status} ${field ? `${field}: ` : ''}${message}`, field, retryAfter)
  }
  const oip = oipErrorSchema.safeParse(body)
  const message = oip.success ? oip.data.error : res.statusText
  return new WorkerError(
    res.status,
    res.headers.get('X-Tarmac-Error-Code') ?? 'http_error',
    `${what}: ${res.status} ${message}`,
    undefined,
    retryAfter,
  )
}

export function createWorkerClient(options: WorkerClientOptions) {
  const base = options.endpoint.replace(/\/+$/, '')
  const attempts = options.attempts ?? 3
  const backoff = options.backoffMs ?? ((attempt: number) => 250 * 2 ** attempt)
  const maxRetryAfter = options.maxRetryAfterMs ?? 60_000

  function headersFor(call: Call): Record<string, string> {
    const headers: Record<string, string> = { ...options.headers, ...call.headers }
    // one scheme: the admin key, when given, is the caller on every route
    const key = options.adminKey ?? (call.path.startsWith('/admin/') ? undefined : options.apiKey)
    if (key) headers.Authorization = `Bearer ${key}`
    if (call.json !== undefined) headers['Content-Type'] = 'application/json'
    if (call.bytes !== undefined) headers['Content-Type'] = 'application/octet-stream'
    return headers
  }

  async function send(call: Call): Promise<Response> {
    const url = new URL(base + call.path)
    for (const [k, v] of Object.entries(call.query ?? {})) if (v !== undefined) url.searchParams.set(k, v)
    const what = `${call.method ?? 'GET'} ${url}`
    const init: RequestInit = {
      method: call.method ?? 'GET',
      headers: headersFor(call),
      body: call.json !== undefined ? JSON.stringify(call.json) : (call.bytes as Uint8Array<ArrayBuffer> | undefined),
      keepalive: call.keepalive,
    }
    if (call.noStore) init.cache = 'no-store'
    for (let attempt = 1; ; attempt++) {
      let failure: WorkerError | WorkerUnreachableError
      try {
        const res = await (options.fetch ?? fetch)(url, init)
        if (res.ok) return res
        failure = await errorOf(res, what)
        if (res.status !== 429 && res.status < 500) throw failure
      } catch (error) {
        if (error instanceof WorkerError && error.status < 500 && error.status !== 429) throw error
        failure = error instanceof WorkerError ? error : new WorkerUnreachableError(`${what}: ${(error as Error).message}`)
      }
      const waitMs = failure instanceof WorkerError && failure.status === 429 ? (failure.retryAfterMs ?? 0) : 0
      if (attempt >= attempts || waitMs > maxRetryAfter) {
        if (attempt > 1) failure.message += ` (gave up after ${attempt} attempts)`
        throw failure
      }
      options.onRetry?.(attempt, failure)
      await sleep(Math.max(waitMs, backoff(attempt)))
    }
  }

  async function json<T extends z.ZodType>(call: Call, schema: T): Promise<z.infer<T>> {
    const res = await send(call)
    return schema.parse(await res.json())
  }

  const models = (name: string) => `/v1/models/${encodeURIComponent(name)}`
  const rawManifest = async (model: string, alias: string): Promise<unknown> =>
    (await send({ path: `${models(model)}/manifest`, query: { alias }, noStore: true })).json()
  const monitoring = (name: string) => `/v1/monitoring/models/${encodeURIComponent(name)}`

  return {
    endpoint: base,
    /** GET /health (no key): resolves when the Worker answers */
    health: async () => void (await send({ path: '/health' })),
    predict: (model: string, instances: FlightInstance[], o: { requestKey?: string; eventTime?: 'departure' | string } = {}) => {
      const headers: Record<string, string> = {}
      if (o.requestKey) headers['X-Tarmac-Key'] = o.requestKey
      if (o.eventTime) headers['X-Tarmac-Event-Time'] = o.eventTime
      return json({ method: 'POST', path: `${models(model)}/predict`, json: { instances }, headers }, predictResponseSchema)
    },
    modelStatus: (model: string) => json({ path: models(model) }, modelStatusSchema),
    manifest: async (model: string, alias: string) => manifestSchema.parse(await rawManifest(model, alias)),
    /** the manifest as served, unparsed: a Worker of another commit may serve another format (the bench's baseline) */
    rawManifest,
    blob: async (sha256: string) => new Uint8Array(await (await send({ path: `/v1/blobs/${sha256}`, noStore: true })).arrayBuffer()),
    telemetry: (predictions: TelemetryPrediction[], o: { keepalive?: boolean } = {}) =>
      json({ method: 'POST', path: '/v1/telemetry', json: { predictions }, keepalive: o.keepalive }, telemetryResponseSchema),
    /** departure events onto a stream: scored by the Worker's queue consumer, results to its sinks */
    streamEvents: (stream: string, events: DepartureEvent[]) =>
      json({ method: 'POST', path: `/v1/streams/${encodeURIComponent(stream)}/events`, json: { events } }, streamEventsAcceptedSchema),
    feedback: async (outcomes: FeedbackRequest[]) =>
      (await json({ method: 'POST', path: '/v1/feedback/batch', json: { outcomes } }, feedbackBatchResponseSchema)).results,
    timeseries: (model: string, range: TimeRange) =>
      json({ path: `${monitoring(model)}/timeseries`, query: rangeQuery(range) }, timeseriesSchema),
    drift: async (model: string, range?: TimeRange) =>
      (await json({ path: `${monitoring(model)}/drift`, query: rangeQuery(range) }, driftReportsSchema)).reports,
    performance: async (model: string, range?: TimeRange) =>
      (await json({ path: `${monitoring(model)}/performance`, query: rangeQuery(range) }, performanceWindowsSchema)).windows,
    alerts: async (query: { model?: string; status?: 'firing' | 'resolved' } = {}) =>
      (await json({ path: '/v1/monitoring/alerts', query }, alertListSchema)).alerts,
    admin: {
      putBlob: (sha256: string, bytes: Uint8Array) => send({ method: 'PUT', path: `/admin/blobs/${sha256}`, bytes }),
      putAlias: (model: string, alias: string, manifest: unknown) =>
        send({ method: 'PUT', path: `/admin/models/${encodeURIComponent(model)}/aliases/${encodeURIComponent(alias)}`, json: manifest }),
      deleteAlias: (model: string, alias: string) =>
        send({ method: 'DELETE', path: `/admin/models/${encodeURIComponent(model)}/aliases/${encodeURIComponent(alias)}` }),
      /** one page of the labelled inference capture of a model (`data pull`) */
      capture: (model: string, query: { from: string; to: string; role: string; limit: string; cursor?: string }) =>
        json({ path: `/admin/capture/${encodeURIComponent(model)}`, query }, capturePageSchema),
      /** `dryRun`: evaluate the window only, storing and sending nothing */
      runMonitoring: (range: TimeRange & { dryRun?: boolean }) =>
        // an absent dryRun is left out of the body (JSON drops undefined)
        json({ method: 'POST', path: '/admin/monitoring/run', json: { ...rangeQuery(range), dryRun: range.dryRun } }, runResultSchema),
    },
  }
}

export type WorkerClient = ReturnType<typeof createWorkerClient>
