/**
 * A canary's verdict on live labels. The canary guards against a regression; it does not re-prove a gain the
 * offline gate already measured on the latest labelled week. So the challenger passes unless its realized AUC falls
 * more than `margin` below the champion's; without a realized AUC for either, there is nothing to pass on.
 */
export function canaryPasses(challengerAuc: number | null, championAuc: number | null, margin: number): boolean {
  return challengerAuc !== null && championAuc !== null && challengerAuc >= championAuc - margin
}
