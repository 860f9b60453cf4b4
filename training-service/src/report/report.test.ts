import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { openDatabase } from '../db/open.ts'
import { promote, registerModelVersion, setAlias } from '../registry/index.ts'
import { finishRun, logMetrics, logParams, setTag, startRun } from '../tracking/index.ts'
import { collectReport } from './collect.ts'
import { reportBlocks, toHtml, toMarkdown } from './render.ts'

const root = fileURLToPath(new URL('../../..', import.meta.url))
let home: string
const PARAMS = { model: 'delay', seed: 7, sweep: '{"trials":2}' }
const METRICS = { val_auc: 0.81, baseline_auc: 0.7, val_ece: 0.02, int8_size_bytes: 12_000, latency_us: 15 }

beforeAll(async () => {
  home = mkdtempSync(path.join(tmpdir(), 'tarmac-report-'))
  // every run and version in one millisecond: the report must still list them in the order they were made
  vi.useFakeTimers({ toFake: ['Date'], now: Date.UTC(2001, 2, 1) })
  const db = await openDatabase(path.join(home, 'tarmac.db'))
  const a = await startRun(db, { experiment: 'exp', name: 'train-a' })
  await logParams(db, a.id, PARAMS)
  for (const [i, aucs] of [
    [0.7, 0.75, 0.78],
    [0.72, 0.79, 0.81],
  ].entries()) {
    const trial = await startRun(db, { experiment: 'exp', name: `trial-${i + 1}`, parentRunId: a.id })
    await logParams(db, trial.id, { family: 'mlp', hidden: i === 0 ? '[16]' : '[32,16]', epochs: 3 })
    for (const [epoch, auc] of aucs.entries()) {
      await logMetrics(db, trial.id, { val_auc_epoch: auc, train_loss: 0.5 - epoch / 10 }, { step: epoch + 1 })
    }
    await logMetrics(db, trial.id, { val_auc: aucs[2], best_epoch: 3 })
    await finishRun(db, trial.id, 'finished')
  }
  await logMetrics(db, a.id, METRICS)
  await setTag(db, a.id, 'model_version', 'delay@1')
  await finishRun(db, a.id, 'finished')
  // B reuses A's cached train step: no trials of its own, same params
  const b = await startRun(db, { experiment: 'exp', name: 'train-b' })
  await logParams(db, b.id, PARAMS)
  await setTag(db, b.id, 'model_version', 'delay@2')
  await finishRun(db, b.id, 'finished')
  for (const run of [a, b]) {
    await registerModelVersion(db, {
      name: 'delay',
      runId: run.id,
      artifactUri: `file:///m/${run.id}`,
      manifestSha256: 'a'.repeat(64),
      metrics: METRICS,
    })
  }
  await promote(db, 'delay', 1, { actor: 'seed', reason: 'first release' })
  await setAlias(db, 'delay', 'champion', 2, { actor: 'seed', reason: 'newer data' })
  await db.close()
  vi.useRealTimers()
})

describe('tarmac runs report', () => {
  it('names the chosen trial and why, finds the trials of a cached run, and lists versions, gates and alias moves', async () => {
    const db = await openDatabase(path.join(home, 'tarmac.db'))
    try {
      const report = await collectReport(db, 'exp')
      expect(report.sections.map((s) => [s.version.version, s.trials.length, s.chosen?.trial.run.name])).toEqual([
        [1, 2, 'trial-2'],
        [2, 2, 'trial-2'],
      ])
      expect(report.sections[1].trialsRunId).toBe(report.sections[0].run.id)
      const md = toMarkdown(reportBlocks(report), (id) => `${id}.svg`)
      expect(md).toContain('**Chosen: trial-2** — best validation AUC among 2 trials: 0.8100; runner-up trial-1 0.7800 (+0.0300)')
      expect(md).toContain('![delay-v1-val_auc_epoch](delay-v1-val_auc_epoch.svg)')
      expect(md).toMatch(/\| #1 \| beats_champion \| passed \| no champion yet \|/)
      expect(md).toMatch(/\| #2 \| .* \| champion \| set \| 1 → 2 \| seed \| no \| newer data \|/)
      const html = toHtml(reportBlocks(report), 'exp')
      expect(html.match(/<svg /g)).toHaveLength(4)
      expect(html).toContain('<strong>Chosen: trial-2</strong>')
    } finally {
      await db.close()
    }
  })

  it('writes Markdown with SVG files beside it, or one HTML page, and refuses an unknown format (exit 2)', async () => {
    const out = mkdtempSync(path.join(tmpdir(), 'tarmac-report-out-'))
    const tarmac = (...args: string[]) =>
      spawnSync(
        process.execPath,
        [path.join(root, 'training-service/bin/tarmac.mjs'), 'runs', 'report', '--home', home, '--experiment', 'exp', ...args],
        {
          encoding: 'utf8',
        },
      )
    const md = tarmac('--out', path.join(out, 'exp.md'), '--json')
    expect(md.status, md.stderr).toBe(0)
    expect(readdirSync(out).sort()).toEqual([
      'exp-delay-v1-train_loss.svg',
      'exp-delay-v1-val_auc_epoch.svg',
      'exp-delay-v2-train_loss.svg',
      'exp-delay-v2-val_auc_epoch.svg',
      'exp.md',
    ])
    expect(readFileSync(path.join(out, 'exp-delay-v1-val_auc_epoch.svg'), 'utf8')).toMatch(/^<svg [^>]*>[\s\S]*trial-2[\s\S]*<\/svg>\n$/)
    const bad = tarmac('--format', 'pdf')
    expect(bad.status).toBe(2)
    expect(bad.stderr).toBe('tarmac: --format must be md or html, got "pdf"\n')
  })
})
