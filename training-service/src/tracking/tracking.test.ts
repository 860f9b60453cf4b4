import { hostname } from 'node:os'
import { afterAll, describe, expect, it, vi } from 'vitest'
import type { Dialect } from '../db/open.ts'
import { openDatabase } from '../db/open.ts'
import { TarmacError } from '../errors.ts'
import { captureError } from '../registry/testing.ts'
import { DIALECTS, freshDatabase, freshTarget, removeTempFolders } from '../testing/dialects.ts'
import {
  compareRuns,
  createExperiment,
  failAbandonedRuns,
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
  processAlive,
  setTag,
  startRun,
} from './index.ts'

afterAll(removeTempFolders)

/** A database on disk (a file, or a Postgres database) rather than in memory: closed and reopened it keeps its data. */
const persistentDb = async (dialect: Dialect) => openDatabase(await freshTarget(dialect))

describe.each(DIALECTS)('tracking on %s', (dialect) => {
  it('round-trips a run: params, metric series with final value, tags, artifacts, status', async () => {
    const db = await persistentDb(dialect)
    const run = await startRun(db, {
      experiment: 'delays',
      name: 'mlp',
      gitCommit: 'abc123',
      dataVersion: 'd1',
      seed: 7,
      environment: { node: '20' },
    })
    await logParams(db, run.id, { lr: 0.01, layers: 2, bias: true })
    await logMetric(db, run.id, 'loss', 0.9, { step: 0 })
    await logMetric(db, run.id, 'loss', 0.5, { step: 2 })
    await logMetric(db, run.id, 'loss', 0.7, { step: 1 }) // logged late, but step 2 stays the final value
    await logMetrics(db, run.id, { val_auc: 0.81, val_ece: 0.03 }, { step: 2 })
    await setTag(db, run.id, 'stage', 'dev')
    await setTag(db, run.id, 'stage', 'candidate')
    await logArtifact(db, run.id, { path: 'model/int8.onnx', sha256: 'b'.repeat(64), size: 1234, uri: 'file:///x' })
    await finishRun(db, run.id, 'finished')

    const detail = await getRun(db, run.id)
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
    expect((await metricHistory(db, run.id, 'loss')).map((p) => [p.step, p.value])).toEqual([
      [0, 0.9],
      [1, 0.7],
      [2, 0.5],
    ])
    await db.close()
  })

  it('lists runs by experiment, status and sweep parent', async () => {
    const db = await freshDatabase(dialect)
    const sweep = await startRun(db, { experiment: 'sweep' })
    const trialA = await startRun(db, { experiment: 'sweep', parentRunId: sweep.id })
    const trialB = await startRun(db, { experiment: 'sweep', parentRunId: sweep.id })
    await finishRun(db, trialA.id, 'failed', 'diverged')
    await startRun(db, { experiment: 'other' })

    expect(await listRuns(db, { experiment: 'sweep' })).toHaveLength(3)
    expect((await listRuns(db, { parent: sweep.id })).map((r) => r.id).sort()).toEqual([trialA.id, trialB.id].sort())
    expect((await listRuns(db, { parent: null })).map((r) => r.experiment).sort()).toEqual(['other', 'sweep'])
    expect(await listRuns(db, { status: 'failed' })).toMatchObject([{ id: trialA.id, error: 'diverged' }])
    expect((await listExperiments(db)).map((e) => e.name)).toEqual(['other', 'sweep'])
  })

  it('marks failed the running runs whose process on this host is gone, and no others', async () => {
    const db = await freshDatabase(dialect)
    const env = (host: string, pid?: number): Record<string, string> => (pid === undefined ? { host } : { host, pid: String(pid) })
    const dead = await startRun(db, { experiment: 'e', environment: env(hostname(), 101) })
    const alive = await startRun(db, { experiment: 'e', environment: env(hostname(), 102) })
    const elsewhere = await startRun(db, { experiment: 'e', environment: env('another-machine', 101) })
    const untagged = await startRun(db, { experiment: 'e', environment: env(hostname()) })
    const done = await startRun(db, { experiment: 'e', environment: env(hostname(), 101) })
    await finishRun(db, done.id, 'finished')
    const lines: string[] = []
    expect(
      await failAbandonedRuns(
        db,
        (l) => lines.push(l),
        (pid) => pid === 102,
      ),
    ).toEqual([dead.id])
    expect(lines).toEqual([`run ${dead.id} was still marked running but its process 101 is gone: marked failed`])
    const status = async (id: string) => (await getRun(db, id)).status
    expect(await getRun(db, dead.id)).toMatchObject({ status: 'failed', error: `process 101 on ${hostname()} ended before the run did` })
    expect([await status(alive.id), await status(elsewhere.id), await status(untagged.id), await status(done.id)]).toEqual([
      'running',
      'running',
      'running',
      'finished',
    ])
    expect(processAlive(process.pid)).toBe(true)
  })

  it('lists runs started within one millisecond newest first, in the order they started', async () => {
    const db = await freshDatabase(dialect)
    vi.useFakeTimers({ toFake: ['Date'], now: Date.UTC(2001, 3, 1) })
    try {
      const started = []
      for (let i = 0; i < 20; i++) started.push((await startRun(db, { experiment: 'burst', name: `r${i}` })).name)
      expect((await listRuns(db, { experiment: 'burst' })).map((r) => r.name)).toEqual(started.reverse())
    } finally {
      vi.useRealTimers()
    }
  })

  it('compares runs side by side', async () => {
    const db = await freshDatabase(dialect)
    const a = await startRun(db, { experiment: 'e' })
    const b = await startRun(db, { experiment: 'e' })
    await logParams(db, a.id, { lr: 0.1, seed: 1 })
    await logParams(db, b.id, { lr: 0.2, seed: 1 })
    await logMetric(db, a.id, 'val_auc', 0.7)
    expect(await compareRuns(db, [a.id, b.id])).toEqual({
      runIds: [a.id, b.id],
      params: [
        { key: 'lr', values: ['0.1', '0.2'], differs: true },
        { key: 'seed', values: ['1', '1'], differs: false },
      ],
      metrics: [{ key: 'val_auc', values: [0.7, null] }],
    })
  })

  it('experiments: create is strict, getOrCreate is idempotent', async () => {
    const db = await freshDatabase(dialect)
    const created = await createExperiment(db, 'exp')
    expect((await getOrCreateExperiment(db, 'exp')).id).toBe(created.id)
    await expect(createExperiment(db, 'exp')).rejects.toThrow('experiment "exp" already exists')
  })

  it('rejects bad inputs with a TarmacError naming the problem', async () => {
    const db = await freshDatabase(dialect)
    const run = await startRun(db, { experiment: 'e' })
    const expectError = async (fn: () => unknown, code: string, message: string) => {
      const error = await captureError(fn)
      expect(error).toBeInstanceOf(TarmacError)
      expect(error).toMatchObject({ code })
      expect((error as Error).message).toContain(message)
    }
    await expectError(() => getRun(db, 'nope'), 'not_found', 'unknown run "nope"')
    await expectError(() => logMetric(db, 'nope', 'loss', 1), 'not_found', 'unknown run "nope"')
    await expectError(() => logMetric(db, run.id, 'loss', Number.NaN), 'invalid_argument', 'metric "loss": must be a finite number')
    await expectError(() => logMetric(db, run.id, 'loss', 1, { step: -1 }), 'invalid_argument', 'step: must be a non-negative integer')
    await expectError(() => logMetric(db, run.id, '../etc', 1), 'invalid_argument', 'metric key')
    await expectError(() => startRun(db, { experiment: ' ' }), 'invalid_argument', 'experiment: must be 1-200 characters')
    await expectError(() => startRun(db, { experiment: 'e', parentRunId: 'ghost' }), 'not_found', 'unknown run "ghost"')
    await expectError(
      () => logArtifact(db, run.id, { path: '../x', sha256: 'b'.repeat(64), size: 1, uri: 'u' }),
      'invalid_argument',
      'path',
    )
    await logParams(db, run.id, { lr: 0.1 })
    await logParams(db, run.id, { lr: 0.1 })
    await expectError(() => logParams(db, run.id, { lr: 0.2 }), 'conflict', 'param "lr"')
    await finishRun(db, run.id, 'finished')
    await expectError(() => finishRun(db, run.id, 'failed'), 'conflict', 'already ended as finished')
  })
})
