import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openDatabase, type TarmacDatabase } from '../../db/open.ts'
import { rollback } from '../../registry/aliases.ts'
import { promote } from '../../registry/promote.ts'
import { GOOD_METRICS } from '../../registry/testing.ts'
import { registerModelVersion } from '../../registry/versions.ts'
import { LocalArtifactStore, putBlob } from '../../tracking/artifact-store.ts'
import { logArtifact, logMetrics, logParams, setTag } from '../../tracking/logging.ts'
import { finishRun, startRun } from '../../tracking/runs.ts'
import { createApi } from '../app.ts'

const ADMIN_KEY = 'ui-test-admin-key-0123456789'
let db: TarmacDatabase
let root: string
let app: ReturnType<typeof createApi>

/** A sweep run with two trials (different `hidden`, three epochs each), registered as v1 of "delay". */
async function seedSweep(name: string, aucs: [number, number]) {
  const sweep = await startRun(db, { experiment: 'delays', name, gitCommit: 'abc123def456', environment: { host: 'ci-box', pid: '42' } })
  await logParams(db, sweep.id, { windows: JSON.stringify({ train: { from: '2001-01-01', to: '2001-03-01' } }), train_rows: 20000 })
  const trials = []
  for (const [i, hidden] of ['[16]', '[32,16]'].entries()) {
    const trial = await startRun(db, { experiment: 'delays', name: `trial-${i + 1}-mlp`, parentRunId: sweep.id })
    await logParams(db, trial.id, { family: 'mlp', hidden })
    for (let epoch = 1; epoch <= 3; epoch++) await logMetrics(db, trial.id, { val_loss: 0.6 - epoch * 0.05 * (i + 1) }, { step: epoch })
    await logMetrics(db, trial.id, { val_auc: aucs[i] }, { step: 0 })
    await finishRun(db, trial.id, 'finished')
    trials.push(trial)
  }
  await logMetrics(db, sweep.id, { ...GOOD_METRICS, val_auc: Math.max(...aucs) })
  await setTag(db, sweep.id, 'data_version', 'dv-0123')
  await finishRun(db, sweep.id, 'finished')
  return { sweep, trials }
}

const html = async (path: string) => {
  const res = await app.request(path)
  return {
    status: res.status,
    text: await res.text(),
    type: res.headers.get('content-type'),
    csp: res.headers.get('content-security-policy'),
  }
}

/** The run ids of the runs table rows, in order, with the parent each trial row names. */
const tableRows = (page: string) =>
  [...page.matchAll(/<tr class="([^"]*)" data-run-id="([^"]+)"(?: data-parent-id="([^"]+)")?/g)].map((m) => ({
    classes: m[1],
    id: m[2],
    parent: m[3] ?? null,
  }))

beforeEach(async () => {
  db = await openDatabase(':memory:')
  root = mkdtempSync(join(tmpdir(), 'tarmac-ui-'))
  app = createApi({
    db,
    adminKey: ADMIN_KEY,
    artifactStore: new LocalArtifactStore(root),
    monitorUrl: 'http://127.0.0.1:5173/monitor.html?endpoint=x',
  })
})
afterEach(async () => {
  await db.close()
  rmSync(root, { recursive: true, force: true })
})

describe('runs page', () => {
  it('nests each sweep’s trials under it, so same-named trials of two sweeps are told apart', async () => {
    const a = await seedSweep('sweep-a', [0.7, 0.8])
    const b = await seedSweep('sweep-b', [0.75, 0.72])
    const page = await html('/')
    expect(page.type).toContain('text/html')
    expect(page.csp).toContain("default-src 'none'")
    expect(page.text).not.toMatch(/<script|style="|src="http/)
    // newest sweep first (default sort: started, newest first), each followed by its own trials in sweep order
    expect(tableRows(page.text).map((r) => [r.id, r.parent])).toEqual([
      [b.sweep.id, null],
      [b.trials[0].id, b.sweep.id],
      [b.trials[1].id, b.sweep.id],
      [a.sweep.id, null],
      [a.trials[0].id, a.sweep.id],
      [a.trials[1].id, a.sweep.id],
    ])
    expect(page.text).toContain('dv-0123')
    expect(page.text).toContain('abc123de')
    expect(page.text).toContain('ci-box')
  })

  it('filters and sorts by metrics and params, keeping a matching trial’s sweep for context', async () => {
    const a = await seedSweep('sweep-a', [0.7, 0.8])
    const b = await seedSweep('sweep-b', [0.75, 0.72])
    const filtered = await html(`/?filter=${encodeURIComponent("params.hidden = '[32,16]' and metrics.val_auc > 0.75")}`)
    expect(tableRows(filtered.text)).toEqual([
      { classes: 'parent context', id: a.sweep.id, parent: null },
      { classes: 'trial', id: a.trials[1].id, parent: a.sweep.id },
    ])
    const sorted = await html('/?sort=metrics.val_auc&order=asc')
    expect(tableRows(sorted.text).map((r) => r.id)).toEqual([
      b.sweep.id,
      b.trials[1].id,
      b.trials[0].id,
      a.sweep.id,
      a.trials[0].id,
      a.trials[1].id,
    ])
    // a trial param has no value on the sweeps: they sort by their first trial
    const byParam = await html('/?sort=params.hidden&order=desc')
    expect(tableRows(byParam.text)[1].id).toBe(b.trials[1].id)
  })

  it('says what is wrong with a filter instead of showing runs', async () => {
    await seedSweep('sweep-a', [0.7, 0.8])
    const bad = await html(`/?filter=${encodeURIComponent('metrics.val_auc > high')}`)
    expect(bad.status).toBe(400)
    expect(bad.text).toContain('metrics.val_auc is a number')
    const unknown = await html(`/?filter=${encodeURIComponent('colour = red')}`)
    expect(unknown.status).toBe(400)
    expect(unknown.text).toContain('&quot;colour&quot; is not a field')
    expect((await html('/?sort=oops')).status).toBe(400)
  })
})

describe('run page', () => {
  it('shows params, final metrics, per-epoch curves, lineage and downloadable artifacts with size and sha256', async () => {
    const { sweep, trials } = await seedSweep('<b>sweep</b>', [0.7, 0.8])
    const store = new LocalArtifactStore(root)
    const blob = await putBlob(store, new TextEncoder().encode('report bytes'))
    await logArtifact(db, trials[1].id, { path: 'reports/eval.json', ...blob })
    const trial = await html(`/runs/${trials[1].id}`)
    expect(trial.status).toBe(200)
    expect(trial.text).toContain('<figcaption id="curve-0-title">val_loss</figcaption>')
    expect(trial.text.match(/<circle /g)).toHaveLength(3)
    expect(trial.text).toContain(`href="/runs/${sweep.id}"`)
    expect(trial.text).toContain('&lt;b&gt;sweep&lt;/b&gt;')
    expect(trial.text).toContain(blob.sha256)
    expect(trial.text).toContain('12 B')
    const href = `/api/v1/runs/${trials[1].id}/artifact?path=reports%2Feval.json`
    expect(trial.text).toContain(`href="${href}"`)
    expect(await (await app.request(href)).text()).toBe('report bytes')

    const parent = await html(`/runs/${sweep.id}`)
    expect(parent.text).toContain('dv-0123')
    expect(parent.text).toMatch(/<th scope="row">train<\/th><td>2001-01-01<\/td><td>2001-03-01<\/td>/)
    expect(parent.text).toContain('20,000')
    expect(parent.text).toContain(`value="${trials[0].id}"`)
  })

  it('answers an unknown run with an HTML 404', async () => {
    const missing = await html('/runs/nope')
    expect(missing.status).toBe(404)
    expect(missing.type).toContain('text/html')
    expect(missing.text).toContain('unknown run &quot;nope&quot;')
  })
})

describe('compare page', () => {
  it('marks the params that differ, overlays curves and puts final metrics in one table', async () => {
    const { trials } = await seedSweep('sweep-a', [0.7, 0.8])
    const page = await html(`/compare?run=${trials[0].id}&run=${trials[1].id}`)
    expect(page.status).toBe(200)
    expect(page.text).toMatch(/<tr class="differs" data-param="hidden">/)
    expect(page.text).toMatch(/<tr class="same" data-param="family">/)
    expect(page.text.match(/<g class="series"/g)).toHaveLength(2)
    expect(page.text).toMatch(
      /<tr data-metric="val_auc"><th scope="row"><code>val_auc<\/code><\/th><td class="num">0.7<\/td><td class="num"><strong>0.8<\/strong>/,
    )
    const onlyDiff = await html(`/compare?run=${trials[0].id}&run=${trials[1].id}&diff=1`)
    expect(onlyDiff.text).not.toContain('data-param="family"')
    expect((await html(`/compare?run=${trials[0].id}`)).status).toBe(400)
    expect((await html('/compare')).status).toBe(200)
  })
})

describe('models page', () => {
  it('shows versions with gates, aliases and the alias history with actor and reason, and offers no way to change them', async () => {
    const one = await seedSweep('sweep-a', [0.7, 0.8])
    const two = await seedSweep('sweep-b', [0.75, 0.82])
    for (const { sweep } of [one, two])
      await registerModelVersion(db, { name: 'delay', runId: sweep.id, artifactUri: 'file:///x', manifestSha256: 'a'.repeat(64) })
    await promote(db, 'delay', 1, { actor: 'alice', reason: 'first release' })
    await promote(db, 'delay', 2, { actor: 'alice', reason: 'better AUC' })
    await rollback(db, 'delay', 'champion', { actor: 'bob', reason: 'canary <regressed>' })

    const list = await html('/models')
    expect(list.text).toContain('champion → v1')
    const page = await html('/models/delay')
    expect(page.text).toMatch(
      /<li data-alias="champion" data-action="rollback">[\s\S]*v2 → v1[\s\S]*<strong class="actor">bob<\/strong>: <q class="reason">canary &lt;regressed&gt;<\/q>/,
    )
    expect(page.text).toContain(`href="/runs/${two.sweep.id}"`)
    expect(page.text).toContain('href="http://127.0.0.1:5173/monitor.html?endpoint=x&amp;model=delay&amp;version=2"')
    expect(page.text).toMatch(/recorded when it became champion/)
    expect(page.text).toContain('beats_champion')
    expect(page.text).not.toMatch(/method="post"/i)
    // the admin routes stay behind the key
    const res = await app.request('/api/v1/models/delay/aliases/champion/rollback', {
      method: 'POST',
      body: JSON.stringify({ reason: 'x' }),
    })
    expect(res.status).toBe(401)
    expect((await html('/models/nope')).status).toBe(404)
  })

  it('serves a version’s files named by its manifest, and 404s when the manifest is missing', async () => {
    await seedSweep('sweep-a', [0.7, 0.8])
    const run = await startRun(db, { experiment: 'delays' })
    await registerModelVersion(db, { name: 'delay', runId: run.id, artifactUri: 'file:///x', manifestSha256: 'a'.repeat(64) })
    const res = await app.request('/api/v1/models/delay/versions/1/files/model.onnx')
    expect(res.status).toBe(404)
    expect(await res.json()).toMatchObject({ error: { code: 'not_found', message: expect.stringContaining('no manifest') } })
    expect((await app.request('/api/v1/models/delay/versions/1/files/secrets.txt')).status).toBe(400)
  })
})
