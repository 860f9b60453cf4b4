import type { LoopSummary } from './closed-loop.ts'

/** The weekly calibration target the loop is held to: ECE of the weeks each promoted version serves. */
export const WEEKLY_ECE_TARGET = 0.02

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

/** The weeks after promotions against the weekly ECE target: as served, with each day's late share known, and by chance. */
export interface CalibrationAfterPromotions {
  weeks: number
  /** weeks whose ECE was within the target */
  within: number
  /** weeks within it once each day's scores are shifted to that day's observed late share (an oracle) */
  withinWithDailyRateKnown: number
  /** the chance a perfectly calibrated model keeps every one of these weeks within it (weeks sample independently) */
  chanceCalibratedAllWithin: number | null
}

export function calibrationAfterPromotions(s: Pick<LoopSummary, 'retrains' | 'served'>): CalibrationAfterPromotions {
  const weeks = promotedWeeks(s).flatMap((p) => p.weeks.filter((w) => w.ece !== null))
  const within = (ece: number | null) => ece !== null && ece <= WEEKLY_ECE_TARGET
  const chances = weeks.map((w) => w.chanceCalibratedWithinTarget).filter((c) => c !== null)
  return {
    weeks: weeks.length,
    within: weeks.filter((w) => within(w.ece)).length,
    withinWithDailyRateKnown: weeks.filter((w) => within(w.eceWithDailyRateKnown)).length,
    chanceCalibratedAllWithin: weeks.length > 0 && chances.length === weeks.length ? chances.reduce((a, c) => a * c, 1) : null,
  }
}
