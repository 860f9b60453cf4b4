import type { LoopSummary } from './closed-loop.ts'

/** A promoted version and the weeks it then served as champion: where calibration after a promotion is read. */
export interface PromotedWeeks {
  version: number
  /** the last day of its canary, when it was promoted */
  promotedOn: string
  weeks: LoopSummary['served']
}

export function promotedWeeks(s: Pick<LoopSummary, 'retrains' | 'served'>): PromotedWeeks[] {
  return s.retrains
    .filter((r) => r.outcome === 'promoted')
    .map((r) => ({ version: r.version, promotedOn: r.canary?.to ?? r.at, weeks: s.served.filter((w) => w.version === r.version) }))
}
