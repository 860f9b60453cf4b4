/** What a canary window shows of one version: its share of live traffic, the rows it failed, its realized AUC. */
export interface CanaryEvidence {
  predictions: number
  errors: number
  /** null when the window's labels are not in (or too few to score) */
  realizedAuc: number | null
}

/**
 * A canary's verdict on live traffic: null when the challenger passes, else why not. The canary guards against
 * what the offline gate cannot see: a version that does not load or run in the Worker (no traffic answered, failed
 * rows). It does not re-prove the gain the gate measured on the latest labelled days; where the window's labels
 * are in (`judgedOnLabels`), it withdraws a challenger whose realized AUC falls more than `margin` below the
 * champion's, and one without a realized AUC to compare.
 */
export function canaryVerdict(
  challenger: CanaryEvidence,
  champion: CanaryEvidence,
  o: { judgedOnLabels: boolean; margin: number },
): string | null {
  if (challenger.predictions === 0) return 'answered no traffic'
  if (challenger.errors > 0) return `failed ${challenger.errors} of ${challenger.predictions + challenger.errors} rows`
  if (!o.judgedOnLabels) return null
  if (challenger.realizedAuc === null || champion.realizedAuc === null) return 'no realized AUC to compare'
  if (challenger.realizedAuc < champion.realizedAuc - o.margin) {
    return `realized AUC ${challenger.realizedAuc.toFixed(4)} more than ${o.margin} below the champion's ${champion.realizedAuc.toFixed(4)}`
  }
  return null
}
