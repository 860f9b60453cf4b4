/** Stored rows → API records (epoch ms → ISO, flat columns → nested). */

import type { AlertRecord, DriftRecord, PerformanceRecord } from '@tarmac/sdk/contracts/monitoring'
import type { DriftReport } from '@tarmac/sdk/drift'
import { type CalibrationBin, calibrationNoiseFloor } from '@tarmac/sdk/metrics'
import type { driftReports, performance } from '../db/schema.ts'
import { type AlertRow, toAlert } from './alerts.ts'
import { alertView } from './webhook.ts'
import { iso } from './window.ts'

type DriftRow = typeof driftReports.$inferSelect
type PerformanceRow = typeof performance.$inferSelect

function windowOf(r: { model: string; version: number; windowStart: number; windowEnd: number; createdAt: number }) {
  return { model: r.model, version: r.version, windowStart: iso(r.windowStart), windowEnd: iso(r.windowEnd), createdAt: iso(r.createdAt) }
}

export const driftRecord = (r: DriftRow): DriftRecord => ({ ...windowOf(r), report: r.report as DriftReport })

/** Windows evaluated before the bins carried their variance have no noise floor. */
function noiseFloor(labels: number, bins: readonly { count: number; variance?: number }[]): number | null {
  if (labels === 0 || bins.some((b) => b.count > 0 && b.variance === undefined)) return null
  const floor = calibrationNoiseFloor(bins.map((b) => ({ count: b.count, variance: b.variance ?? 0 })))
  return Number.isFinite(floor) ? floor : null
}

export const performanceRecord = (r: PerformanceRow): PerformanceRecord => ({
  ...windowOf(r),
  count: r.count,
  realized: {
    labels: r.labels,
    auc: r.realizedAuc,
    logLoss: r.logLoss,
    ece: r.ece,
    eceNoiseFloor: noiseFloor(r.labels, (r.calibration as CalibrationBin[] | null) ?? []),
    calibration: (r.calibration as CalibrationBin[] | null) ?? [],
  },
  estimated: { auc: r.estimatedAuc, accuracy: r.estimatedAccuracy },
  baselineAuc: r.baselineAuc,
  latencyMs: { p50: r.latencyP50, p99: r.latencyP99 },
  errorRate: r.errorRate,
})

export const alertRecord = (r: AlertRow): AlertRecord => ({
  ...alertView(toAlert(r)),
  notifiedAt: r.notifiedAt === null ? null : iso(r.notifiedAt),
  notifyError: r.notifyError,
})
