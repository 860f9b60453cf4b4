import type { Context } from 'hono'
import { createMiddleware } from 'hono/factory'
import { matchedRoutes } from 'hono/route'
import type { AppEnv } from './app-env.ts'
import { ERROR_CODE_HEADER } from './errors.ts'

/** The one structured line a request leaves in the Worker's logs (Workers Logs indexes its JSON fields). */
export interface RequestLogLine {
  event: 'request'
  requestId: string
  method: string
  /** the route pattern, e.g. /v1/models/:name/predict; null when no route matched */
  route: string | null
  status: number
  model: string | null
  version: number | null
  engine: string | null
  /** instances predicted or outcomes stored */
  rows: number | null
  latencyMs: number
  errorCode: string | null
}

type Json = Record<string, unknown> | null

/** The fields of the routes' response bodies the log line reads. */
interface ResponseShape {
  name?: unknown
  version?: unknown
  engine?: unknown
  model?: { name?: unknown; version?: unknown }
  model_name?: unknown
  model_version?: unknown
  parameters?: { engine?: unknown }
  prediction?: { model?: unknown; version?: unknown } | null
  predictionId?: unknown
  predictions?: unknown[]
  results?: unknown[]
  outputs?: { shape?: unknown[] }[]
  accepted?: unknown
  error?: { code?: unknown }
}

/** The handler's pattern (middleware is registered for any method, routes for one). */
function routeOf(c: Context): string | null {
  return matchedRoutes(c).findLast((r) => r.method !== 'ALL')?.path ?? null
}

function numberOf(v: unknown): number | null {
  const n = typeof v === 'string' && v !== '' ? Number(v) : v
  return typeof n === 'number' && Number.isFinite(n) ? n : null
}

/**
 * What a response says about the model that answered and the rows it covered, read from the shapes the
 * routes return (predict, Open Inference v2, model summary, feedback): counts and names, never values.
 */
export function describeResponse(body: Json): Pick<RequestLogLine, 'model' | 'version' | 'engine' | 'rows' | 'errorCode'> {
  const b = (body ?? {}) as ResponseShape
  const model = b.model?.name ?? b.model_name ?? b.prediction?.model ?? (typeof b.name === 'string' ? b.name : null)
  const version = numberOf(b.model?.version ?? b.model_version ?? b.prediction?.version ?? b.version)
  const engine = b.engine ?? b.parameters?.engine ?? null
  const rows = Array.isArray(b.predictions)
    ? b.predictions.length
    : Array.isArray(b.results)
      ? b.results.length
      : Array.isArray(b.outputs)
        ? numberOf(b.outputs[0]?.shape?.[0])
        : numberOf(b.accepted)
  return {
    model: typeof model === 'string' ? model : null,
    version,
    engine: typeof engine === 'string' ? engine : null,
    rows: rows ?? (b.predictionId ? 1 : null),
    errorCode: typeof b.error?.code === 'string' ? b.error.code : null,
  }
}

/**
 * Gives every request an id (the `cf-ray` Cloudflare assigned, else a uuid), returns it as `X-Request-Id`
 * and as `error.requestId` in error bodies, and logs one JSON line per request, so a user's report can be
 * found in the logs. The payload itself is never logged.
 */
export const requestLog = createMiddleware<AppEnv>(async (c, next) => {
  const startedAt = Date.now()
  const requestId = c.req.header('cf-ray') ?? crypto.randomUUID()
  await next()
  const json = c.res.headers.get('content-type')?.startsWith('application/json') ?? false
  const body: Json = json
    ? await c.res
        .clone()
        .json<Json>()
        .catch(() => null)
    : null
  const described = describeResponse(body)
  if (c.res.status >= 400 && body && typeof body.error === 'object' && body.error !== null) {
    c.res.headers.delete('content-length')
    c.res = new Response(JSON.stringify({ ...body, error: { ...body.error, requestId } }), c.res)
  }
  c.res.headers.set('X-Request-Id', requestId)
  const line: RequestLogLine = {
    event: 'request',
    requestId,
    method: c.req.method,
    route: routeOf(c),
    status: c.res.status,
    ...described,
    errorCode: described.errorCode ?? c.res.headers.get(ERROR_CODE_HEADER),
    latencyMs: Date.now() - startedAt,
  }
  console.log(JSON.stringify(line))
})
