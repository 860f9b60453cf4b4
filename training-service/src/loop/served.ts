import { auc, calibrationBins, expectedCalibrationError } from '@tarmac/sdk/metrics'
import { capturePages } from '../data/pull.ts'
import type { ReplayTarget } from './replay.ts'

export interface ServedPerformance {
  labels: number
  auc: number | null
  /** expected calibration error (10 equal-width bins), as the monitoring's realized ECE */
  ece: number | null
  /** labelled predictions answered by each version (`v3`) */
  versions: Record<string, number>
}

const finite = (x: number) => (Number.isFinite(x) ? x : null)

/**
 * What the users of a model were served in [from, to): every labelled prediction the Worker answered, whichever
 * version answered it (champion or canary share), read back from its capture as `tarmac data pull` reads it.
 */
export async function servedPerformance(target: ReplayTarget, from: number, to: number): Promise<ServedPerformance> {
  const labels: number[] = []
  const scores: number[] = []
  const versions: Record<string, number> = {}
  for await (const page of capturePages({ worker: target.url, adminKey: target.adminKey, model: target.model, from, to })) {
    for (const row of page.rows) {
      labels.push(row.delayed ? 1 : 0)
      scores.push(row.probability)
      versions[`v${row.version}`] = (versions[`v${row.version}`] ?? 0) + 1
    }
  }
  if (labels.length === 0) return { labels: 0, auc: null, ece: null, versions }
  return {
    labels: labels.length,
    auc: finite(auc(labels, scores)),
    ece: finite(expectedCalibrationError(calibrationBins(labels, scores))),
    versions,
  }
}
