/** Response shapes of the monitoring API; the inferred types are what the web client's dashboard imports. */
import { z } from '@hono/zod-openapi'
import { driftReportSchema } from '@tarmac/sdk/drift'
import { RULES } from './rules.ts'

const isoTime = z.string().openapi({ format: 'date-time' })
const window = { model: z.string(), version: z.number().int(), windowStart: isoTime, windowEnd: isoTime, createdAt: isoTime }

export const driftRecordSchema = z.object({ ...window, report: driftReportSchema }).openapi('DriftRecord')

const calibrationBin = z.object({
  lower: z.number(),
  upper: z.number(),
  count: z.number(),
  meanPredicted: z.number().nullable(),
  observedRate: z.number().nullable(),
})

export const performanceRecordSchema = z
  .object({
    ...window,
    count: z.number().int(),
    realized: z.object({
      labels: z.number().int(),
      auc: z.number().nullable(),
      logLoss: z.number().nullable(),
      ece: z.number().nullable(),
      calibration: z.array(calibrationBin),
    }),
    /** CBPE from the prediction histogram: needs no labels */
    estimated: z.object({ auc: z.number().nullable(), accuracy: z.number().nullable() }),
    baselineAuc: z.number().nullable(),
    latencyMs: z.object({ p50: z.number().nullable(), p99: z.number().nullable() }),
    errorRate: z.number().nullable(),
  })
  .openapi('PerformanceRecord')

export const alertSchema = z
  .object({
    id: z.string(),
    model: z.string(),
    version: z.number().int(),
    rule: z.enum(RULES),
    status: z.enum(['firing', 'resolved']),
    firstFired: isoTime,
    lastSeen: isoTime,
    resolvedAt: isoTime.nullable(),
    detail: z.record(z.string(), z.unknown()),
    notifiedAt: isoTime.nullable(),
    notifyError: z.string().nullable(),
  })
  .openapi('Alert')

export const hourPointSchema = z.object({
  hour: isoTime,
  count: z.number().int(),
  /** rows the version was asked to score and failed (the error rate is errors / (count + errors)) */
  errors: z.number().int(),
  latencyP50: z.number().nullable(),
  latencyP99: z.number().nullable(),
  meanProbability: z.number().nullable(),
  /** on the version's reference prediction bins (`predictionEdges`) */
  predictionCounts: z.array(z.number()),
  labels: z.number().int(),
  realizedAuc: z.number().nullable(),
})

export const timeseriesSchema = z
  .object({
    model: z.string(),
    from: isoTime,
    to: isoTime,
    versions: z.array(z.object({ version: z.number().int(), predictionEdges: z.array(z.number()), hours: z.array(hourPointSchema) })),
  })
  .openapi('MonitoringTimeseries')

const deliverySchema = z.object({ ok: z.boolean(), attempts: z.number().int(), error: z.string().optional() })

export const runResultSchema = z
  .object({
    from: isoTime,
    to: isoTime,
    evaluations: z.array(
      z.object({ model: z.string(), version: z.number().int(), drift: driftRecordSchema.nullable(), performance: performanceRecordSchema }),
    ),
    skipped: z.array(z.object({ model: z.string(), version: z.number().int(), reason: z.string() })),
    changes: z.array(
      z.object({
        kind: z.enum(['fired', 'updated', 'resolved']),
        alert: alertSchema,
        delivery: deliverySchema.nullable(),
      }),
    ),
    /** webhook messages earlier passes failed to deliver, sent again: the alert's current state, fired or resolved */
    redelivered: z.array(z.object({ alert: alertSchema, delivery: deliverySchema })),
  })
  .openapi('MonitoringRun')

export type DriftRecord = z.infer<typeof driftRecordSchema>
export type PerformanceRecord = z.infer<typeof performanceRecordSchema>
export type AlertRecord = z.infer<typeof alertSchema>
export type HourPoint = z.infer<typeof hourPointSchema>
export type Timeseries = z.infer<typeof timeseriesSchema>
export type MonitoringRun = z.infer<typeof runResultSchema>
