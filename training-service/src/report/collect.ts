import type { Db } from '../db/open.ts'
import type { AliasEvent, ModelVersion } from '../db/schema.ts'
import { aliasHistory } from '../registry/aliases.ts'
import { getModel, listModels, type ModelDetail } from '../registry/versions.ts'
import { getExperiment } from '../tracking/experiments.ts'
import { getRun, listRuns, type MetricPoint, metricHistory, type RunDetail, type RunSummary } from '../tracking/queries.ts'

/** Series logged once per epoch, drawn as curves. */
export const CURVES = ['val_auc_epoch', 'train_loss', 'val_loss'] as const

export interface Trial {
  run: RunDetail
  curves: Record<string, MetricPoint[]>
}

export interface VersionSection {
  version: ModelVersion
  run: RunDetail
  trials: Trial[]
  /** the run whose sweep trained the trials: the run itself, or an earlier one its cached train step reused */
  trialsRunId: string | null
  chosen: { trial: Trial; reason: string } | null
}

export interface ExperimentReport {
  experiment: string
  runs: (RunSummary & { metrics: Record<string, number>; tags: Record<string, string> })[]
  sections: VersionSection[]
  registry: { model: string; versions: ModelVersion[]; events: AliasEvent[] }[]
}

async function trialsOf(db: Db, runId: string): Promise<Trial[]> {
  const trials: Trial[] = []
  for (const t of (await listRuns(db, { parent: runId })).reverse()) {
    const curves: Trial['curves'] = {}
    for (const k of CURVES) curves[k] = await metricHistory(db, t.id, k)
    trials.push({ run: await getRun(db, t.id), curves })
  }
  return trials
}

/**
 * The trials behind a run: its own, or — when its train step came from the cache — those of the latest
 * earlier run of the experiment with the same params (the cache key includes them) that has trials.
 */
async function sweepOf(db: Db, run: RunDetail, earlier: RunSummary[]): Promise<{ trials: Trial[]; runId: string | null }> {
  const own = await trialsOf(db, run.id)
  if (own.length > 0) return { trials: own, runId: run.id }
  const same = JSON.stringify(run.params)
  for (const r of earlier) {
    if (r.startedAt > run.startedAt || JSON.stringify((await getRun(db, r.id)).params) !== same) continue
    const trials = await trialsOf(db, r.id)
    if (trials.length > 0) return { trials, runId: r.id }
  }
  return { trials: [], runId: null }
}

function choose(trials: Trial[]): VersionSection['chosen'] {
  const ranked = trials.filter((t) => t.run.metrics.val_auc !== undefined).sort((a, b) => b.run.metrics.val_auc - a.run.metrics.val_auc)
  if (ranked.length === 0) return null
  const [best, next] = ranked
  const auc = (t: Trial) => t.run.metrics.val_auc.toFixed(4)
  const runnerUp = next
    ? `; runner-up ${next.run.name} ${auc(next)} (+${(best.run.metrics.val_auc - next.run.metrics.val_auc).toFixed(4)})`
    : ''
  return { trial: best, reason: `best validation AUC among ${ranked.length} trials: ${auc(best)}${runnerUp}` }
}

/** Everything the report shows about an experiment, read from the tracking and registry tables. */
export async function collectReport(db: Db, experiment: string): Promise<ExperimentReport> {
  await getExperiment(db, experiment)
  const top = await listRuns(db, { experiment, parent: null })
  const ids = new Set(top.map((r) => r.id))
  const details = new Map<string, RunDetail>()
  for (const r of top) details.set(r.id, await getRun(db, r.id))
  const models: ModelDetail[] = []
  for (const m of await listModels(db)) models.push(await getModel(db, m.name))
  const versions = models
    .flatMap((m) => m.versions.filter((v) => ids.has(v.runId)))
    .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.version - b.version)
  const sections: VersionSection[] = []
  for (const version of versions) {
    const run = details.get(version.runId) as RunDetail
    const { trials, runId } = await sweepOf(db, run, top)
    sections.push({ version, run, trials, trialsRunId: runId, chosen: choose(trials) })
  }
  const registry: ExperimentReport['registry'] = []
  for (const m of models.filter((m) => m.versions.some((v) => ids.has(v.runId)))) {
    registry.push({ model: m.name, versions: [...m.versions].reverse(), events: (await aliasHistory(db, m.name)).reverse() })
  }
  return {
    experiment,
    runs: top.reverse().map((r) => {
      const d = details.get(r.id) as RunDetail
      return { ...r, metrics: d.metrics, tags: d.tags }
    }),
    sections,
    registry,
  }
}
