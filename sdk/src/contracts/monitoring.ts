/** Response shapes of the Worker's monitoring API; the dashboard and the training loop read these types. */
import { z } from 'zod'
import { driftReportSchema } from '../drift/index.ts'

/** The alert rules the Worker's hourly evaluation knows. */
export const ALERT_RULES = ['dataset_drift', 'prediction_drift', 'realized_auc', 'calibration_error', 'latency_p99', 'error_rate'] as const
export type AlertRule = (typeof ALERT_RULES)[number]

const isoTime = z.iso.datetime()
const window = { model: z.string(), version: z.number().int(), windowStart: isoTime, windowEnd: isoTime, createdAt: isoTime }

export const driftRecordSchema = z.object({ ...window, report: driftReportSchema })

const calibrationBin = z.object({
  lower: z.number(),
  upper: z.number(),
  count: z.number(),
  meanPredicted: z.number().nullable(),
  observedRate: z.number().nullable(),
  /** Σ p(1 − p) over the bin's predictions; absent from windows evaluated before it was recorded */
  variance: z.number().optional(),
})

export const performanceRecordSchema = z.object({
  ...window,
  count: z.number().int(),
  realized: z.object({
    labels: z.number().int(),
    auc: z.number().nullable(),
    logLoss: z.number().nullable(),
    /** expected calibration error on 10 equal-width probability bins (sdk metrics); null without labels */
    ece: z.number().nullable(),
    /**
     * the ECE a perfectly calibrated model would show on the same predictions, from sampling alone (sdk
     * calibrationNoiseFloor): an ECE near it is noise; null without labels or for windows evaluated before it was recorded
     */
    eceNoiseFloor: z.number().nullable(),
    calibration: z.array(calibrationBin),
  }),
  /** CBPE from the prediction histogram: needs no labels */
  estimated: z.object({ auc: z.number().nullable(), accuracy: z.number().nullable() }),
  baselineAuc: z.number().nullable(),
  latencyMs: z.object({ p50: z.number().nullable(), p99: z.number().nullable() }),
  errorRate: z.number().nullable(),
})

export const alertSchema = z.object({
  id: z.string(),
  model: z.string(),
  version: z.number().int(),
  rule: z.enum(ALERT_RULES),
  status: z.enum(['firing', 'resolved']),
  firstFired: isoTime,
  lastSeen: isoTime,
  resolvedAt: isoTime.nullable(),
  detail: z.record(z.string(), z.unknown()),
  notifiedAt: isoTime.nullable(),
  notifyError: z.string().nullable(),
})

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
  /** expected calibration error of the hour's labelled predictions, as `realized.ece` of a window */
  ece: z.number().nullable(),
})

export const timeseriesSchema = z.object({
  model: z.string(),
  from: isoTime,
  to: isoTime,
  versions: z.array(z.object({ version: z.number().int(), predictionEdges: z.array(z.number()), hours: z.array(hourPointSchema) })),
})

const deliverySchema = z.object({ ok: z.boolean(), attempts: z.number().int(), error: z.string().optional() })

export const runResultSchema = z.object({
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

/** The list routes' bodies. */
export const driftReportsSchema = z.object({ reports: z.array(driftRecordSchema) })
export const performanceWindowsSchema = z.object({ windows: z.array(performanceRecordSchema) })
export const alertListSchema = z.object({ alerts: z.array(alertSchema) })

export type DriftRecord = z.infer<typeof driftRecordSchema>
export type PerformanceRecord = z.infer<typeof performanceRecordSchema>
export type AlertRecord = z.infer<typeof alertSchema>
export type HourPoint = z.infer<typeof hourPointSchema>
export type Timeseries = z.infer<typeof timeseriesSchema>
export type MonitoringRun = z.infer<typeof runResultSchema>
