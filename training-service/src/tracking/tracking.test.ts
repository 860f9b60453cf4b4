import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { openDatabase, type TarmacDatabase } from '../db/open.ts'
import { TarmacError } from '../registry/errors.ts'
import { captureError } from '../registry/testing.ts'
import {
  compareRuns,
  createExperiment,
  finishRun,
  getOrCreateExperiment,
  getRun,
  listExperiments,
  listRuns,
  logArtifact,
  logMetric,
  logMetrics,
  logParams,
  metricHistory,
  setTag,
  startRun,
} from './index.ts'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

function fileDb(): TarmacDatabase {
  const dir = mkdtempSync(join(tmpdir(), 'tarmac-tracking-'))
  dirs.push(dir)
  return openDatabase(join(dir, 'tarmac.db'))
}

describe('tracking', () => {
  it('round-trips a run: params, metric series with final value, tags, artifacts, status', () => {
    const db = fileDb()
    const run = startRun(db, {
      experiment: 'delays',
      name: 'mlp',
      gitCommit: 'abc123',
      dataVersion: 'd1',
      seed: 7,
      environment: { node: '20' },
    })
    logParams(db, run.id, { lr: 0.01, layers: 2, bias: true })
    logMetric(db, run.id, 'loss', 0.9, { step: 0 })
    logMetric(db, run.id, 'loss', 0.5, { step: 2 })
    logMetric(db, run.id, 'loss', 0.7, { step: 1 }) // logged late, but step 2 stays the final value
    logMetrics(db, run.id, { val_auc: 0.81, val_ece: 0.03 }, { step: 2 })
    setTag(db, run.id, 'stage', 'dev')
    setTag(db, run.id, 'stage', 'candidate')
    logArtifact(db, run.id, { path: 'model/int8.onnx', sha256: 'b'.repeat(64), size: 1234, uri: 'file:///x' })
    finishRun(db, run.id, 'finished')

    const detail = getRun(db, run.id)
    expect(detail).toMatchObject({
      experiment: 'delays',
      name: 'mlp',
      status: 'finished',
      gitCommit: 'abc123',
      seed: 7,
      environment: { node: '20' },
      params: { lr: '0.01', layers: '2', bias: 'true' },
      metrics: { loss: 0.5, val_auc: 0.81, val_ece: 0.03 },
      tags: { stage: 'candidate' },
    })
    expect(detail.endedAt).toBeInstanceOf(Date)
    expect(detail.artifacts).toEqual([{ runId: run.id, path: 'model/int8.onnx', sha256: 'b'.repeat(64), size: 1234, uri: 'file:///x' }])
    expect(metricHistory(db, run.id, 'loss').map((p) => [p.step, p.value])).toEqual([
      [0, 0.9],
      [1, 0.7],
      [2, 0.5],
    ])
    db.$client.close()
  })

  it('lists runs by experiment, status and sweep parent', () => {
    const db = openDatabase(':memory:')
    const sweep = startRun(db, { experiment: 'sweep' })
    const trialA = startRun(db, { experiment: 'sweep', parentRunId: sweep.id })
    const trialB = startRun(db, { experiment: 'sweep', parentRunId: sweep.id })
    finishRun(db, trialA.id, 'failed', 'diverged')
    startRun(db, { experiment: 'other' })

    expect(listRuns(db, { experiment: 'sweep' })).toHaveLength(3)
    expect(
      listRuns(db, { parent: sweep.id })
        .map((r) => r.id)
        .sort(),
    ).toEqual([trialA.id, trialB.id].sort())
    expect(
      listRuns(db, { parent: null })
        .map((r) => r.experiment)
        .sort(),
    ).toEqual(['other', 'sweep'])
    expect(listRuns(db, { status: 'failed' })).toMatchObject([{ id: trialA.id, error: 'diverged' }])
    expect(listExperiments(db).map((e) => e.name)).toEqual(['other', 'sweep'])
  })

  it('compares runs side by side', () => {
    const db = openDatabase(':memory:')
    const a = startRun(db, { experiment: 'e' })
    const b = startRun(db, { experiment: 'e' })
    logParams(db, a.id, { lr: 0.1, seed: 1 })
    logParams(db, b.id, { lr: 0.2, seed: 1 })
    logMetric(db, a.id, 'val_auc', 0.7)
    expect(compareRuns(db, [a.id, b.id])).toEqual({
      runIds: [a.id, b.id],
      params: [
        { key: 'lr', values: ['0.1', '0.2'], differs: true },
        { key: 'seed', values: ['1', '1'], differs: false },
      ],
      metrics: [{ key: 'val_auc', values: [0.7, null] }],
    })
  })

  it('experiments: create is strict, getOrCreate is idempotent', () => {
    const db = openDatabase(':memory:')
    const created = createExperiment(db, 'exp')
    expect(getOrCreateExperiment(db, 'exp').id).toBe(created.id)
    expect(() => createExperiment(db, 'exp')).toThrow('experiment "exp" already exists')
  })

  it('rejects bad inputs with a TarmacError naming the problem', () => {
    const db = openDatabase(':memory:')
    const run = startRun(db, { experiment: 'e' })
    const expectError = (fn: () => unknown, code: string, message: string) => {
      const error = captureError(fn)
      expect(error).toBeInstanceOf(TarmacError)
      expect(error).toMatchObject({ code })
      expect((error as Error).message).toContain(message)
    }
    expectError(() => getRun(db, 'nope'), 'not_found', 'unknown run "nope"')
    expectError(() => logMetric(db, 'nope', 'loss', 1), 'not_found', 'unknown run "nope"')
    expectError(() => logMetric(db, run.id, 'loss', Number.NaN), 'invalid_argument', 'metric "loss": must be a finite number')
    expectError(() => logMetric(db, run.id, 'loss', 1, { step: -1 }), 'invalid_argument', 'step: must be a non-negative integer')
    expectError(() => logMetric(db, run.id, '../etc', 1), 'invalid_argument', 'metric key')
    expectError(() => startRun(db, { experiment: ' ' }), 'invalid_argument', 'experiment: must be 1-200 characters')
    expectError(() => startRun(db, { experiment: 'e', parentRunId: 'ghost' }), 'not_found', 'unknown run "ghost"')
    expectError(() => logArtifact(db, run.id, { path: '../x', sha256: 'b'.repeat(64), size: 1, uri: 'u' }), 'invalid_argument', 'path')
    logParams(db, run.id, { lr: 0.1 })
    logParams(db, run.id, { lr: 0.1 })
    expectError(() => logParams(db, run.id, { lr: 0.2 }), 'conflict', 'param "lr"')
    finishRun(db, run.id, 'finished')
    expectError(() => finishRun(db, run.id, 'failed'), 'conflict', 'already ended as finished')
  })
})
