/** What a canary window shows of one version: its share of live traffic, the rows it failed, its realized AUC. */
export interface CanaryEvidence {
  predictions: number
  errors: number
  /** null when the window's labels are not in (or too few to score) */
  realizedAuc: number | null
}

export type CanaryVerdict = { verdict: 'promote' } | { verdict: 'withdraw' | 'extend'; reason: string }

/**
 * A canary's verdict on live traffic. The canary guards against what the offline gate cannot see: a version that
 * does not load or run in the Worker (failed rows). A challenger that has answered nothing yet (its sticky share
 * of requests can be empty on a quiet day) has shown nothing either way: its canary is extended. It does not
 * re-prove the gain the gate measured on the latest labelled days; where the window's labels are in
 * (`judgedOnLabels`), it withdraws a challenger whose realized AUC falls more than `margin` below the champion's,
 * and one without a realized AUC to compare.
 */
export function canaryVerdict(
  challenger: CanaryEvidence,
  champion: CanaryEvidence,
  o: { judgedOnLabels: boolean; margin: number },
): CanaryVerdict {
  if (challenger.errors > 0) {
    return { verdict: 'withdraw', reason: `failed ${challenger.errors} of ${challenger.predictions + challenger.errors} rows` }
  }
  if (challenger.predictions === 0) return { verdict: 'extend', reason: 'answered no traffic yet' }
  if (!o.judgedOnLabels) return { verdict: 'promote' }
  if (challenger.realizedAuc === null || champion.realizedAuc === null) return { verdict: 'withdraw', reason: 'no realized AUC to compare' }
  if (challenger.realizedAuc < champion.realizedAuc - o.margin) {
    return {
      verdict: 'withdraw',
      reason: `realized AUC ${challenger.realizedAuc.toFixed(4)} more than ${o.margin} below the champion's ${champion.realizedAuc.toFixed(4)}`,
    }
  }
  return { verdict: 'promote' }
}
