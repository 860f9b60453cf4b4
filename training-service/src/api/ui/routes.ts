import type { OpenAPIHono } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { html } from 'hono/html'
import type { BlankEnv } from 'hono/types'
import type { Db } from '../../db/open.ts'
import { TarmacError } from '../../errors.ts'
import { aliasHistory, currentVersion } from '../../registry/aliases.ts'
import { DEFAULT_GATE_CONFIG, evaluateGates, type GateConfig } from '../../registry/gates.ts'
import { getModel, listModels } from '../../registry/versions.ts'
import type { ArtifactStore } from '../../tracking/artifact-store.ts'
import { listExperiments } from '../../tracking/experiments.ts'
import { compareRuns, finalMetrics, getRun, listRuns, metricHistory, type RunDetail } from '../../tracking/queries.ts'
import { statusOf } from '../errors.ts'
import { loadManifest } from '../manifests.ts'
import { compareHelpPage, comparePage, MAX_COMPARED } from './compare-page.ts'
import { page, STYLESHEET, STYLESHEET_PATH } from './layout.ts'
import { modelPage, modelsPage, type VersionGates } from './models-page.ts'
import { loadRunRows, versionsOfRun } from './queries.ts'
import { runPage } from './run-page.ts'
import { parseFilter, parseSort, searchRuns, sweepOrder } from './run-search.ts'
import { runsPage } from './runs-page.ts'

export type UiOptions = {
  db: Db
  artifactStore: ArtifactStore
  gates?: Partial<GateConfig>
  /** the monitoring page (e.g. `tarmac dashboard`'s URL); a version's link adds `model` and `version` to it */
  monitorUrl?: string
}

// Pages load nothing but this server's stylesheet: no scripts, no inline styles, no other origin.
const CSP = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

type Rendered = ReturnType<typeof page>

/** An HTML page handler: a TarmacError becomes an HTML error page with its status, not the API's JSON. */
const htmlPage =
  <P extends string>(render: (c: Context<BlankEnv, P>) => Promise<Rendered>) =>
  async (c: Context<BlankEnv, P>) => {
    c.header('content-security-policy', CSP)
    try {
      return c.html(await render(c))
    } catch (error) {
      if (!(error instanceof TarmacError)) throw error
      const body = html`<h1>Not available</h1><p class="error" role="alert">${error.message}</p><p><a href="/">Back to the runs</a></p>`
      return c.html(page('Not available', 'runs', body), statusOf(error.code))
    }
  }

export function registerUiRoutes(app: OpenAPIHono, { db, artifactStore, gates, monitorUrl }: UiOptions): void {
  const gateConfig = { ...DEFAULT_GATE_CONFIG, ...gates }
  const monitorHref = (name: string) => (version: number) => {
    if (!monitorUrl) return null
    const url = new URL(monitorUrl)
    url.searchParams.set('model', name)
    url.searchParams.set('version', String(version))
    return url.toString()
  }

  app.get(STYLESHEET_PATH, (c) => c.body(STYLESHEET, 200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'max-age=300' }))

  app.get(
    '/',
    htmlPage(async (c) => {
      const experiment = c.req.query('experiment') || ''
      const filter = c.req.query('filter') ?? ''
      const experiments = await listExperiments(db)
      const all = await loadRunRows(db)
      const rows = experiment ? all.filter((r) => r.experiment === experiment) : all
      const counts = new Map<string, number>()
      for (const r of all) counts.set(r.experiment, (counts.get(r.experiment) ?? 0) + 1)
      const keys = (pick: (r: (typeof rows)[number]) => object) => [...new Set(rows.flatMap((r) => Object.keys(pick(r))))].sort()
      const base = {
        experiments: experiments.map((e) => ({ ...e, runs: counts.get(e.name) ?? 0 })),
        experiment,
        filter,
        metricKeys: keys((r) => r.metrics),
        paramKeys: keys((r) => r.params),
      }
      try {
        const clauses = parseFilter(filter)
        const sort = parseSort(c.req.query('sort'), c.req.query('order'))
        return runsPage({ ...base, clauses, sort, groups: searchRuns(rows, clauses, sort) })
      } catch (error) {
        if (!(error instanceof TarmacError)) throw error
        c.status(400)
        return runsPage({ ...base, clauses: [], sort: parseSort(undefined, undefined), groups: [], error: error.message })
      }
    }),
  )

  app.get(
    '/runs/:id',
    htmlPage<'/runs/:id'>(async (c) => {
      const run = await getRun(db, c.req.param('id'))
      const children = await listRuns(db, { parent: run.id })
      const childMetrics = await finalMetrics(
        db,
        children.map((t) => t.id),
      )
      const curves = []
      for (const key of Object.keys(run.metrics)) {
        const points = await metricHistory(db, run.id, key)
        if (points.length > 1) curves.push({ key, points })
      }
      const versions = []
      for (const version of await versionsOfRun(db, run.id))
        versions.push({ version, stored: await loadManifest(artifactStore, version.modelName, version.version) })
      return runPage({
        run,
        parent: run.parentRunId ? await getRun(db, run.parentRunId) : null,
        trials: children.sort(sweepOrder).map((t) => ({ ...t, metrics: childMetrics.get(t.id) ?? {} })),
        curves,
        versions,
      })
    }),
  )

  app.get(
    '/compare',
    htmlPage(async (c) => {
      const ids = [...new Set(c.req.queries('run') ?? [])]
      if (ids.length === 0) return compareHelpPage()
      if (ids.length < 2 || ids.length > MAX_COMPARED) {
        c.status(400)
        return compareHelpPage(`run: pick between 2 and ${MAX_COMPARED} runs to compare, got ${ids.length}`)
      }
      const runs: RunDetail[] = []
      for (const id of ids) runs.push(await getRun(db, id))
      const keys = [...new Set(runs.flatMap((r) => Object.keys(r.metrics)))].sort()
      const curves = []
      for (const key of keys) {
        const histories = []
        for (const run of runs) histories.push(key in run.metrics ? await metricHistory(db, run.id, key) : [])
        if (histories.some((h) => h.length > 1)) curves.push({ key, histories })
      }
      return comparePage({ runs, comparison: await compareRuns(db, ids), curves, onlyDifferences: c.req.query('diff') === '1' })
    }),
  )

  app.get(
    '/models',
    htmlPage(async () => modelsPage(await listModels(db))),
  )

  app.get(
    '/models/:name',
    htmlPage<'/models/:name'>(async (c) => {
      const model = await getModel(db, c.req.param('name'))
      const events = await aliasHistory(db, model.name)
      const champion = await currentVersion(db, model.name, 'champion')
      const championMetrics = model.versions.find((v) => v.version === champion)?.metrics ?? null
      const gates = new Map<number, VersionGates>()
      // events are newest first: the first recorded promotion of a version is its latest
      for (const e of events) {
        if (e.action === 'set' && e.gates && e.toVersion !== null && !gates.has(e.toVersion)) {
          gates.set(e.toVersion, { results: e.gates, source: `recorded when it became ${e.alias} (${e.at.toISOString().slice(0, 10)})` })
        }
      }
      for (const v of model.versions) {
        if (gates.has(v.version) || v.version === champion) continue
        gates.set(v.version, {
          results: evaluateGates(v.metrics, championMetrics, gateConfig),
          source: champion === null ? 'if promoted now (no champion yet)' : `if promoted now against champion v${champion}`,
        })
      }
      return modelPage({ model, events, gates, monitorHref: monitorHref(model.name) })
    }),
  )
}
