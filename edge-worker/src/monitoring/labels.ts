/** Realized performance: outcomes from feedback joined to the predictions they answer. */
import { auc, type CalibrationBin, calibrationBins, expectedCalibrationError, logLoss } from '@tarmac/sdk/metrics'
import { and, eq, gte, lt, or, sql } from 'drizzle-orm'
import type { database } from '../db/client.ts'
import { feedback, predictions } from '../db/schema.ts'
import { ADMIN_LABEL } from '../feedback/store.ts'
import { bucketRange, type Window } from './window.ts'

type Db = ReturnType<typeof database>

/** A label joins the prediction it names when it came from the key that made it, or from an admin correction. */
export const labelJoin = and(
  eq(feedback.predictionId, predictions.predictionId),
  or(eq(feedback.keyHash, predictions.keyHash), eq(feedback.keyHash, ADMIN_LABEL)),
)

export interface Labelled {
  version: number
  hour: string
  probability: number
  delayed: boolean
}

/**
 * Labelled predictions of a model in a window of prediction hours. A shadow version is scored on the
 * outcomes of the flights it shadowed; grouping by prediction id counts each flight once per version.
 */
export function loadLabelled(db: Db, model: string, w: Window, version?: number): Promise<Labelled[]> {
  const { first, last } = bucketRange(w)
  return db
    .select({
      version: predictions.version,
      hour: sql<string>`min(${predictions.hour})`,
      probability: sql<number>`max(${predictions.probability})`,
      delayed: feedback.delayed,
    })
    .from(predictions)
    .innerJoin(feedback, labelJoin)
    .where(
      and(
        eq(predictions.model, model),
        version === undefined ? undefined : eq(predictions.version, version),
        gte(predictions.hour, first),
        lt(predictions.hour, last),
      ),
    )
    .groupBy(predictions.version, predictions.predictionId)
}

export interface Realized {
  labels: number
  /** null while only one class has been reported */
  auc: number | null
  logLoss: number | null
  ece: number | null
  calibration: CalibrationBin[]
}

export const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null)

export function realized(rows: readonly Labelled[]): Realized {
  if (rows.length === 0) return { labels: 0, auc: null, logLoss: null, ece: null, calibration: [] }
  const labels = Uint8Array.from(rows, (r) => (r.delayed ? 1 : 0))
  const scores = Float64Array.from(rows, (r) => r.probability)
  const calibration = calibrationBins(labels, scores)
  return {
    labels: rows.length,
    auc: finiteOrNull(auc(labels, scores)),
    logLoss: finiteOrNull(logLoss(labels, scores)),
    ece: finiteOrNull(expectedCalibrationError(calibration)),
    calibration,
  }
}
