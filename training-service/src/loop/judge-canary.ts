import { createWorkerClient } from '@tarmac/sdk/client/worker'
import { isoDay } from '../data/windows.ts'
import { TarmacError } from '../errors.ts'
import type { Home } from '../home.ts'
import { publishVersion } from '../publish/edge-client.ts'
import { currentVersion, deleteAlias } from '../registry/aliases.ts'
import type { GateConfig } from '../registry/gates.ts'
import { promote } from '../registry/promote.ts'
import { getVersion } from '../registry/versions.ts'
import { getRun } from '../tracking/queries.ts'
import { type CanaryEvidence, canaryVerdict } from './canary.ts'
import { runMonitoring, servedShares } from './monitor-client.ts'
import { CHAMPION_COMPARED_TAG, CHAMPION_METRICS } from './retrain.ts'

const DAY_MS = 86_400_000

export interface JudgeOptions {
  worker: { url: string; adminKey: string }
  model: string
  /** the canary window [from, to) in the Worker's event time */
  from: number
  to: number
  /** also compare realized AUC over the window: its labels must have come back (a window older than the label delay) */
  onLabels: boolean
  /** how far below the champion's realized AUC the challenger may fall on labels (canary.ts) */
  margin: number
  gates?: Partial<GateConfig>
  actor: string
  /** a window shorter than this many days is not judged yet: the canary is extended */
  minDays?: number
  /** judge and report, move nothing */
  dryRun?: boolean
  /** realized AUC per version (`v<n>`) over the same window, when the caller has already run the evaluation */
  realizedAuc?: Record<string, number | null>
}

export interface CanaryJudgement {
  model: string
  challenger: number
  champion: number
  from: string
  to: string
  /** rows each version answered and failed in the window, as the Worker aggregated them */
  served: Record<string, { predictions: number; errors: number }>
  /** realized AUC per version, when judged on labels */
  realizedAuc: Record<string, number | null>
  /** promoted / withdrawn: applied; extended: judged again later; and with dryRun, what would be applied */
  outcome: 'promoted' | 'withdrawn' | 'extended'
  applied: boolean
  reason: string
}

/**
 * Judges the running canary on what the Worker recorded of its window and carries the verdict out: promoted (the
 * registry's gates, then the Worker's champion alias), withdrawn (the challenger alias leaves the Worker and the
 * registry, with the reason in its history) or extended (the challenger has answered nothing yet). The
 * promotion gates compare the challenger with the champion as its retrain measured both on the same recent rows
 * (the metrics `retrainOnCapture` left on its run), when that champion still holds the alias.
 */
export async function judgeCanary(home: Home, o: JudgeOptions): Promise<CanaryJudgement> {
  const challenger = await currentVersion(home.db, o.model, 'challenger')
  if (challenger === null) throw new TarmacError('not_found', `"${o.model}" has no challenger on canary`)
  const champion = await currentVersion(home.db, o.model, 'champion')
  if (champion === null) throw new TarmacError('not_found', `"${o.model}" has no champion to judge the challenger against`)
  const window = { model: o.model, challenger, champion, from: isoDay(o.from), to: isoDay(o.to - 1) }
  const minDays = o.minDays ?? 0
  if (o.to - o.from < Math.max(minDays * DAY_MS, 1)) {
    // with labels, the window ends where labels have come back: a canary younger than the label delay has none yet
    const span = o.to > o.from ? `${window.from}..${window.to}` : `from ${new Date(o.from).toISOString()} has not begun`
    return {
      ...window,
      served: {},
      realizedAuc: {},
      outcome: 'extended',
      applied: false,
      reason: `canary window ${span}: shorter than ${minDays} day(s)`,
    }
  }
  const target = { ...o.worker, model: o.model }
  const served = await servedShares(target, o.from, o.to)
  // evaluated, not recorded: judging a canary's window must not rewrite the monitoring history or move alerts
  const realizedAuc = !o.onLabels
    ? {}
    : (o.realizedAuc ??
      Object.fromEntries(
        (await runMonitoring(target, o.from, o.to, true)).evaluations.map((e) => [`v${e.version}`, e.performance.realized.auc]),
      ))
  const evidence = (version: number): CanaryEvidence => ({
    predictions: served[`v${version}`]?.predictions ?? 0,
    errors: served[`v${version}`]?.errors ?? 0,
    realizedAuc: realizedAuc[`v${version}`] ?? null,
  })
  const candidate = await getRun(home.db, (await getVersion(home.db, o.model, challenger)).runId)
  const compared = candidate.tags[CHAMPION_COMPARED_TAG] === String(champion)
  const [mine, theirs] = [evidence(challenger), evidence(champion)]
  const verdict = canaryVerdict(mine, theirs, { judgedOnLabels: o.onLabels, margin: o.margin })
  const live = o.onLabels
    ? `realized AUC v${challenger} ${mine.realizedAuc?.toFixed(4) ?? '—'} vs v${champion} ${theirs.realizedAuc?.toFixed(4) ?? '—'}`
    : `v${challenger} answered ${mine.predictions} rows, ${mine.errors} failed`
  const recent = compared
    ? `; recent labelled days ${candidate.metrics.report_auc?.toFixed(4)} vs ${candidate.metrics[CHAMPION_METRICS.report_auc]?.toFixed(4)}`
    : ''
  const judged = { ...window, served, realizedAuc }
  const reason = `canary ${window.from}..${window.to}: ${live}${recent}`
  if (verdict.verdict === 'extend') return { ...judged, outcome: 'extended', applied: false, reason: `${reason}: ${verdict.reason}` }

  let refusal = verdict.verdict === 'withdraw' ? `${reason}: ${verdict.reason}` : null
  if (o.dryRun) return { ...judged, outcome: refusal ? 'withdrawn' : 'promoted', applied: false, reason: refusal ?? reason }
  if (!refusal) {
    const championMetrics = compared
      ? { val_auc: candidate.metrics[CHAMPION_METRICS.val_auc], val_ece: candidate.metrics[CHAMPION_METRICS.val_ece] }
      : undefined
    try {
      await promote(home.db, o.model, challenger, { actor: o.actor, reason, championMetrics, gates: o.gates })
    } catch (e) {
      if (!(e instanceof TarmacError && e.code === 'gate_failed')) throw e
      refusal = e.message
    }
  }
  const edge = { endpoint: o.worker.url, adminKey: o.worker.adminKey }
  if (!refusal) await publishVersion(home.store, edge, o.model, challenger, 'champion')
  await createWorkerClient(edge).admin.deleteAlias(o.model, 'challenger')
  await deleteAlias(home.db, o.model, 'challenger', {
    actor: o.actor,
    reason: refusal ? `withdrawn: ${refusal}` : `v${challenger} promoted to champion`,
  })
  return { ...judged, outcome: refusal ? 'withdrawn' : 'promoted', applied: true, reason: refusal ?? reason }
}
