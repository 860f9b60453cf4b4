import { createRoute, z } from '@hono/zod-openapi'
import {
  alertListSchema as alertListContract,
  driftReportsSchema as driftReportsContract,
  performanceWindowsSchema as performanceWindowsContract,
  runResultSchema as runResultContract,
  timeseriesSchema as timeseriesContract,
} from '@tarmac/sdk/contracts/monitoring'
import { requireAdmin } from '../auth/middleware.ts'
import { database } from '../db/client.ts'
import { ApiError } from '../errors.ts'
import { aliasPrefix } from '../models/keys.ts'
import { monitoringConfigOf } from '../monitoring/config.ts'
import { runMonitoring } from '../monitoring/evaluate.ts'
import { driftHistory, listAlerts, performanceHistory, timeseries } from '../monitoring/queries.ts'
import { HOUR_MS, hourWindow, trailingWindow, type Window } from '../monitoring/window.ts'
import { createRouter, errors, modelName, pick } from './router.ts'

// the sdk's contracts, named as components of /openapi.json
const runResultSchema = runResultContract.openapi('MonitoringRun')
const timeseriesSchema = timeseriesContract.openapi('MonitoringTimeseries')

const MAX_RANGE_HOURS = 31 * 24
const instant = (name: string) =>
  z.iso
    .datetime({ offset: true, message: 'must be an ISO 8601 date-time' })
    .optional()
    .openapi({ param: { name, in: 'query' }, example: '2026-05-01T00:00:00Z' })
const rangeQuery = z.object({ from: instant('from'), to: instant('to') })
const json = <T extends z.ZodType>(description: string, schema: T) => ({ description, content: { 'application/json': { schema } } })
const params = z.object({ name: modelName })

/** A window of whole prediction hours; from/to fall back to the trailing DRIFT_WINDOW_HOURS. */
function resolveWindow(env: Env, from: string | undefined, to: string | undefined, now = Date.now()): Window {
  const end = to === undefined ? undefined : Date.parse(to)
  const start = from === undefined ? undefined : Date.parse(from)
  const hours = monitoringConfigOf(env).windowHours
  const w = hourWindow(start ?? (end ?? now) - hours * HOUR_MS, end ?? now)
  if (start !== undefined && end !== undefined && start >= end) throw new ApiError(400, 'invalid_request', 'from must be before to', 'from')
  if (w.end - w.start > MAX_RANGE_HOURS * HOUR_MS) {
    throw new ApiError(400, 'invalid_request', `at most ${MAX_RANGE_HOURS} hours per request`, 'to')
  }
  return w
}

/** The optional from/to filter of the history lists, checked like a window. */
function filterRange(from: string | undefined, to: string | undefined): Partial<Window> {
  const start = from === undefined ? undefined : Date.parse(from)
  const end = to === undefined ? undefined : Date.parse(to)
  if (start !== undefined && end !== undefined && start >= end) throw new ApiError(400, 'invalid_request', 'from must be before to', 'from')
  return { start, end }
}

async function requireModel(env: Env, name: string): Promise<void> {
  const { keys } = await env.ALIASES.list({ prefix: aliasPrefix(name), limit: 1 })
  if (keys.length === 0) throw new ApiError(404, 'model_not_found', `no model '${name}' is published`, 'name')
}

const timeseriesRoute = createRoute({
  method: 'get',
  path: '/v1/monitoring/models/{name}/timeseries',
  summary: 'Per version and prediction hour: volume, latency, scores, labels',
  description: 'from/to default to the last DRIFT_WINDOW_HOURS and snap outward to whole hours (at most 31 days).',
  request: { params, query: rangeQuery },
  responses: { 200: json('Hourly series per version', timeseriesSchema), ...pick(errors, [400, 401, 404, 429]) },
})

const driftRoute = createRoute({
  method: 'get',
  path: '/v1/monitoring/models/{name}/drift',
  summary: 'Stored drift reports, newest window first',
  description: 'Reports whose window overlaps [from, to) when given; at most 200.',
  request: { params, query: rangeQuery },
  responses: { 200: json('Drift reports', driftReportsContract.openapi('DriftReports')), ...pick(errors, [400, 401, 404, 429]) },
})

const performanceRoute = createRoute({
  method: 'get',
  path: '/v1/monitoring/models/{name}/performance',
  summary: 'Realized (labelled) vs estimated (CBPE) performance per window, newest first',
  request: { params, query: rangeQuery },
  responses: {
    200: json('Performance per window', performanceWindowsContract.openapi('PerformanceWindows')),
    ...pick(errors, [400, 401, 404, 429]),
  },
})

const alertsRoute = createRoute({
  method: 'get',
  path: '/v1/monitoring/alerts',
  summary: 'Alerts, most recently seen first',
  request: {
    query: z.object({
      status: z
        .enum(['firing', 'resolved'])
        .optional()
        .openapi({ param: { name: 'status', in: 'query' } }),
      model: modelName.optional().openapi({ param: { name: 'model', in: 'query' } }),
    }),
  },
  responses: { 200: json('Alerts', alertListContract.openapi('AlertList')), ...pick(errors, [400, 401, 429]) },
})

const runRoute = createRoute({
  method: 'post',
  path: '/admin/monitoring/run',
  summary: 'Run the monitoring pass (what the hourly cron runs) over a window of prediction hours',
  description:
    'Without from/to: the last DRIFT_WINDOW_HOURS completed hours. Re-running a window replaces its reports; with dryRun nothing is stored or sent.',
  security: [{ adminKey: [] }],
  middleware: [requireAdmin] as const,
  request: {
    body: {
      content: {
        'application/json': {
          schema: z
            .object({
              from: z.iso.datetime({ offset: true }),
              to: z.iso.datetime({ offset: true }),
              dryRun: z.boolean().openapi({
                description: 'evaluate only: store no report, change no alert, send nothing (a canary judged on its window)',
              }),
            })
            .partial(),
        },
      },
      required: false,
    },
  },
  responses: { 200: json('Reports and alert changes', runResultSchema), ...pick(errors, [400, 401]) },
})

export const monitoringRoutes = createRouter()
  .openapi(timeseriesRoute, async (c) => {
    const { name } = c.req.valid('param')
    const { from, to } = c.req.valid('query')
    const w = resolveWindow(c.env, from, to)
    await requireModel(c.env, name)
    return c.json(await timeseries(c.env, database(c.env.DB), name, w), 200)
  })
  .openapi(driftRoute, async (c) => {
    const { name } = c.req.valid('param')
    const { from, to } = c.req.valid('query')
    const range = filterRange(from, to)
    await requireModel(c.env, name)
    return c.json({ reports: await driftHistory(database(c.env.DB), name, range) }, 200)
  })
  .openapi(performanceRoute, async (c) => {
    const { name } = c.req.valid('param')
    const { from, to } = c.req.valid('query')
    const range = filterRange(from, to)
    await requireModel(c.env, name)
    return c.json({ windows: await performanceHistory(database(c.env.DB), name, range) }, 200)
  })
  .openapi(alertsRoute, async (c) => c.json({ alerts: await listAlerts(database(c.env.DB), c.req.valid('query')) }, 200))
  .openapi(runRoute, async (c) => {
    const { from, to, dryRun } = c.req.valid('json') ?? {}
    const w =
      from === undefined && to === undefined
        ? trailingWindow(Date.now(), monitoringConfigOf(c.env).windowHours)
        : resolveWindow(c.env, from, to)
    return c.json(await runMonitoring(c.env, w, { dryRun }), 200)
  })
