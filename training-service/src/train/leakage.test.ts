import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { seededPermutation } from '@tarmac/sdk/random'
import { beforeAll, describe, expect, it } from 'vitest'
import { writeSampleCsv } from '../../test/flights-sample.ts'
import type { Windows } from '../data/windows.ts'
import { runPipeline, pipeline as trainingDag } from '../pipeline/runner.ts'
import { type Evaluated, evaluateStep } from '../pipeline/steps/evaluate.ts'
import { featurizeStep } from '../pipeline/steps/featurize.ts'
import { ingestStep } from '../pipeline/steps/ingest.ts'
import { type TrainOutput, trainStep } from '../pipeline/steps/train.ts'
import type { Featurized } from './features.ts'

/**
 * Leakage guards on the real pipeline (ingest → featurize → train → evaluate) and a small slice of the real data.
 * Each guard is run twice: on the pipeline as it is, and on a deliberately broken fit — the report slice's rows
 * copied into the training window (nine weeks earlier: same weekday, hour and minute), so the encoder's tables
 * are fitted on the evaluation rows. The guard must pass on the first and catch the second.
 */
const windows: Windows = {
  train: { from: '2001-01-01', to: '2001-01-20' },
  validate: { from: '2001-03-01', to: '2001-03-16' },
  report: { from: '2001-03-16', to: '2001-04-01' },
  replay: { from: '2001-04-01', to: '2001-07-01' },
}
const NINE_WEEKS_MS = 63 * 86_400_000
const SWEEP = { base: { epochs: 2, batchSize: 512 }, trials: [{ family: 'logreg' as const, learningRate: 0.01 }] }

let dir: string
let rows: string[][]

interface Run {
  spec: Featurized['spec']
  evaluate: Evaluated
  weights: TrainOutput['net']
}

/** Runs the pipeline up to evaluate on these CSV rows; `broken` also copies the report rows into the training window. */
async function pipeline(name: string, data: string[][], broken: boolean): Promise<Run> {
  const copies = broken
    ? data
        .filter((r) => r[0] >= windows.report.from)
        .map((r) => [
          new Date(Date.parse(`${r[0].replace(' ', 'T')}:00Z`) - NINE_WEEKS_MS).toISOString().slice(0, 16).replace('T', ' '),
          ...r.slice(1),
        ])
    : []
  const file = path.join(dir, `${name}${broken ? '-broken' : ''}.csv`)
  await writeFile(file, ['date,delay,distance,origin,destination', ...[...data, ...copies].map((r) => r.join(','))].join('\n'))
  const settings = { dataFile: file, windows, sweep: SWEEP, trainRows: null, seed: 7, smoothing: 20, folds: 5, concurrency: 1 }
  const dag = trainingDag().add(ingestStep(settings)).add(featurizeStep(settings)).add(trainStep(settings, {})).add(evaluateStep())
  const result = await runPipeline(dag, path.join(dir, `cache-${name}-${broken}`), () => {})
  const out = await result.outputs({ featurize: true, evaluate: true, train: true })
  return { spec: out.featurize.spec, evaluate: out.evaluate, weights: out.train.net }
}

/** Standard error of an AUC when scores and labels are independent (Hanley & McNeil under the null). */
function nullAucSe(positives: number, negatives: number): number {
  return Math.sqrt((positives + negatives + 1) / (12 * positives * negatives))
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tarmac-leakage-'))
  const file = path.join(dir, 'sample.csv')
  // three January weeks to train on, early March to select on, mid March to report on
  await writeSampleCsv(file, [
    [0, 6_000],
    [120_000, 126_000],
    [240_000, 246_000],
    [1_000_000, 1_005_000],
    [1_250_000, 1_256_000],
  ])
  const lines = (await readFile(file, 'utf8')).trim().split('\n').slice(1)
  const parsed = lines.map((l) => l.split(','))
  // shuffled labels: every row gets some other row's delay, so nothing can predict it
  const order = seededPermutation(parsed.length, 13)
  rows = parsed.map((r, i) => [r[0], parsed[order[i]][1], r[2], r[3], r[4]])
}, 120_000)

describe('leakage guards', () => {
  it.each([
    ['the pipeline as it is', false],
    ['a fit on the report rows', true],
  ])(
    'with shuffled labels, %s scores AUC 0.5 on the report slice (within 4 standard errors), or the guard says so',
    async (_name, broken) => {
      const run = await pipeline('shuffled', rows, broken)
      const report = run.evaluate.report
      const reportRows = rows.filter((r) => r[0] >= windows.report.from)
      const delayed = reportRows.filter((r) => Number(r[1]) >= 15).length
      expect(report.rows).toBe(reportRows.length)
      // about 6,000 report rows, a fifth delayed: SE ≈ 0.009, so the tolerance is ≈ 0.036
      const tolerance = 4 * nullAucSe(delayed, reportRows.length - delayed)
      const aucs = { model: report.auc, ...Object.fromEntries(run.evaluate.rateAuc.map((r) => [`${r.cell} rate`, r.holdout])) }
      const worst = Math.max(...Object.values(aucs).map((a) => Math.abs(a - 0.5)))
      if (broken) expect(worst, JSON.stringify(aucs)).toBeGreaterThan(tolerance)
      else expect(worst, JSON.stringify(aucs)).toBeLessThan(tolerance)
    },
    300_000,
  )

  /** The same rows with one slice changed beyond recognition: labels flipped, airports unknown, distances 20% longer. */
  const perturb = (from: string, to: string) =>
    rows.map((r) =>
      r[0] >= from && r[0] < to ? [r[0], Number(r[1]) >= 15 ? '0' : '60', String(Math.round(Number(r[2]) * 1.2)), 'ZZZ', 'ZZY'] : r,
    )

  it.each([
    ['the pipeline as it is', false],
    ['a fit on the report rows', true],
  ])(
    'changing every report-slice row leaves tables, vocabulary, scaler, threshold and weights as they were: %s',
    async (_name, broken) => {
      const before = await pipeline('shuffled', rows, broken)
      const after = await pipeline('report-changed', perturb(windows.report.from, windows.report.to), broken)
      const fitted = (r: Run) => ({ spec: r.spec, threshold: r.evaluate.threshold, selectAuc: r.evaluate.auc, weights: r.weights })
      if (broken) expect(fitted(after)).not.toEqual(fitted(before))
      else {
        expect(fitted(after)).toEqual(fitted(before))
        // and the report metrics did see the change: the check is not vacuous
        expect(after.evaluate.report.auc).not.toBe(before.evaluate.report.auc)
      }
    },
    300_000,
  )

  it('changing every selection-slice row leaves tables, vocabulary and scaler as they were', async () => {
    const before = await pipeline('shuffled', rows, false)
    const after = await pipeline('select-changed', perturb(windows.validate.from, windows.validate.to), false)
    expect(after.spec).toEqual(before.spec)
    expect(after.evaluate.threshold).not.toBe(before.evaluate.threshold)
  }, 300_000)
})
