import { auc, calibrationBins, expectedCalibrationError } from '@tarmac/sdk/metrics'
import { capturePages } from '../data/pull.ts'
import { chanceCalibratedWithin, eceWithDailyRateKnown, type ScoredOutcome } from './calibration-bound.ts'
import { labelDue, type ReplayTarget } from './replay.ts'

/** A labelled prediction the Worker answered, as its capture holds it: what the served figures are computed from. */
export interface ServedRow extends ScoredOutcome {
  version: number
}

/**
 * Every labelled prediction the Worker answered in [from, to) of event time, whichever version answered it (champion
 * or canary share), read back from its capture as `tarmac data pull` reads it.
 */
export async function readServed(target: ReplayTarget, from: number, to: number): Promise<ServedRow[]> {
  const rows: ServedRow[] = []
  for await (const page of capturePages({ worker: target.url, adminKey: target.adminKey, model: target.model, from, to }))
    for (const row of page.rows) rows.push({ at: row.at, version: row.version, probability: row.probability, delayed: row.delayed })
  return rows
}

export interface ServedPerformance {
  labels: number
  auc: number | null
  /** expected calibration error (10 equal-width bins), as the monitoring's realized ECE */
  ece: number | null
  /** labelled predictions answered by each version (`v3`) */
  versions: Record<string, number>
}

const DAY_MS = 86_400_000
const finite = (x: number) => (Number.isFinite(x) ? x : null)

/** What the users of a model were served in [from, to): every labelled prediction, by whichever version answered it. */
export function servedPerformance(served: readonly ServedRow[], from: number, to: number): ServedPerformance {
  const labels: number[] = []
  const scores: number[] = []
  const versions: Record<string, number> = {}
  for (const row of served) {
    if (row.at < from || row.at >= to) continue
    labels.push(row.delayed ? 1 : 0)
    scores.push(row.probability)
    versions[`v${row.version}`] = (versions[`v${row.version}`] ?? 0) + 1
  }
  if (labels.length === 0) return { labels: 0, auc: null, ece: null, versions }
  return {
    labels: labels.length,
    auc: finite(auc(labels, scores)),
    ece: finite(expectedCalibrationError(calibrationBins(labels, scores))),
    versions,
  }
}

/** A week the loop judged: its days, the version serving it as champion, and the labels its monitoring counted. */
export interface JudgedWeek {
  from: string
  /** the last day (inclusive), as the loop's checkpoints name it */
  to: string
  version: number
  labels: number
}

/** How far the week's ECE could fall (calibration-bound.ts); null when there is nothing to bound. */
export interface CalibrationBound {
  /** the ECE left were each day's share of late flights known in advance */
  eceWithDailyRateKnown: number | null
  /** how often a perfectly calibrated model stays within the target on the same predictions */
  chanceCalibratedWithinTarget: number | null
}

const NO_BOUND: CalibrationBound = { eceWithDailyRateKnown: null, chanceCalibratedWithinTarget: null }

/**
 * Each judged week's calibration bounds on the rows its monitoring judged: the champion's served predictions of the
 * week whose labels the replay had sent when the week ended. A week whose capture holds another number of such
 * labels than its monitoring counted is not the same sample, and gets none.
 */
export function calibrationBounds(
  served: readonly ServedRow[],
  weeks: readonly JudgedWeek[],
  labelDelayDays: number,
  eceTarget: number,
): CalibrationBound[] {
  return weeks.map((w) => {
    const from = Date.parse(w.from)
    const to = Date.parse(w.to) + DAY_MS
    const rows = served
      .filter((r) => r.at >= from && r.at < to && r.version === w.version && labelDue(r.at, labelDelayDays) < to)
      // the capture yields rows in no fixed order (objects are named by random ids): the seeded draws and the
      // sums then see the same rows in the same order on every replay of the same flights
      .sort((a, b) => a.at - b.at || a.probability - b.probability || Number(a.delayed) - Number(b.delayed))
    if (w.labels === 0 || rows.length !== w.labels) return NO_BOUND
    return {
      eceWithDailyRateKnown: finite(eceWithDailyRateKnown(rows)),
      chanceCalibratedWithinTarget: finite(
        chanceCalibratedWithin(
          rows.map((r) => r.probability),
          eceTarget,
        ),
      ),
    }
  })
}
