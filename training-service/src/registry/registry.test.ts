import { describe, expect, it, vi } from 'vitest'
import { TarmacError } from '../errors.ts'
import { DIALECTS, freshDatabase } from '../testing/dialects.ts'
import { startRun } from '../tracking/runs.ts'
import { aliasHistory, deleteAlias, getAlias, rollback, setAlias, versionAt } from './aliases.ts'
import { promote } from './promote.ts'
import { captureError, GOOD_METRICS, seedVersion } from './testing.ts'
import { getModel, getVersion, listModels, registerModelVersion } from './versions.ts'

const who = { actor: 'ana', reason: 'test' }

async function expectTarmacError(fn: () => unknown, code: string, message: string) {
  const error = await captureError(fn)
  expect(error).toBeInstanceOf(TarmacError)
  expect(error).toMatchObject({ code })
  expect((error as Error).message).toContain(message)
}

describe.each(DIALECTS)('registry on %s', (dialect) => {
  describe('model versions', () => {
    it('numbers versions 1, 2, 3 and snapshots the run metrics', async () => {
      const db = await freshDatabase(dialect)
      const versions = []
      for (const auc of [0.7, 0.75, 0.8]) versions.push(await seedVersion(db, 'delay', { val_auc: auc }))
      expect(versions.map((v) => v.version)).toEqual([1, 2, 3])
      expect(await getVersion(db, 'delay', 2)).toMatchObject({ dataVersion: 'data-v1', metrics: { val_auc: 0.75 } })
      expect((await getModel(db, 'delay')).versions.map((v) => v.version)).toEqual([3, 2, 1])
      await setAlias(db, 'delay', 'champion', 3, who)
      const register = { name: 'delay', runId: versions[0].runId, artifactUri: 'file:///m', manifestSha256: 'a'.repeat(64) }
      await expectTarmacError(
        () => registerModelVersion(db, { ...register, expectedVersion: 3 }),
        'conflict',
        'version 3 of "delay" is taken: the next version is 4',
      )
      expect((await registerModelVersion(db, { ...register, expectedVersion: 4 })).version).toBe(4)
      expect(await listModels(db)).toMatchObject([{ name: 'delay', latestVersion: 4, aliases: { champion: 3 } }])
    })

    it('rejects unknown models, versions, runs and bad values with clear messages', async () => {
      const db = await freshDatabase(dialect)
      await seedVersion(db, 'delay', GOOD_METRICS)
      const run = await startRun(db, { experiment: 'e' })
      const register = { name: 'delay', runId: run.id, artifactUri: 'file:///m', manifestSha256: 'a'.repeat(64) }
      await expectTarmacError(() => getModel(db, 'x'), 'not_found', 'unknown model "x"')
      await expectTarmacError(() => getVersion(db, 'delay', 7), 'not_found', 'version 7 of "delay" does not exist')
      await expectTarmacError(() => getVersion(db, 'delay', -1), 'invalid_argument', 'version: must be a positive integer, got -1')
      await expectTarmacError(() => getVersion(db, 'delay', 1.5), 'invalid_argument', 'version: must be a positive integer')
      await expectTarmacError(() => registerModelVersion(db, { ...register, runId: 'ghost' }), 'not_found', 'unknown run "ghost"')
      await expectTarmacError(() => registerModelVersion(db, { ...register, name: 'Bad Name' }), 'invalid_argument', 'name: "Bad Name"')
      await expectTarmacError(() => registerModelVersion(db, { ...register, manifestSha256: 'xyz' }), 'invalid_argument', 'manifestSha256')
      await expectTarmacError(
        () => registerModelVersion(db, { ...register, metrics: { val_auc: Infinity } }),
        'invalid_argument',
        'metric "val_auc"',
      )
      await expectTarmacError(() => setAlias(db, 'delay', 'v2', 1, who), 'invalid_argument', 'alias: "v2"')
      await expectTarmacError(() => setAlias(db, 'delay', 'latest', 1, who), 'invalid_argument', 'alias: "latest"')
      await expectTarmacError(() => setAlias(db, 'delay', 'champion', 9, who), 'not_found', 'version 9 of "delay" does not exist')
      await expectTarmacError(() => setAlias(db, 'nope', 'champion', 1, who), 'not_found', 'unknown model "nope"')
      await expectTarmacError(() => setAlias(db, 'delay', 'champion', 1, { actor: 'ana', reason: ' ' }), 'invalid_argument', 'reason')
      await expectTarmacError(() => getAlias(db, 'delay', 'champion'), 'not_found', 'model "delay" has no alias "champion"')
      await expectTarmacError(() => promote(db, 'delay', 0, who), 'invalid_argument', 'version: must be a positive integer, got 0')
    })
  })

  describe('aliases', () => {
    it('moves aliases, keeps an audit trail and answers which version held an alias at time T', async () => {
      vi.useFakeTimers({ toFake: ['Date'] })
      try {
        const db = await freshDatabase(dialect)
        for (let i = 0; i < 3; i++) await seedVersion(db, 'delay', GOOD_METRICS)
        vi.setSystemTime(new Date('2025-01-01T00:00:00Z'))
        await setAlias(db, 'delay', 'champion', 1, who)
        vi.setSystemTime(new Date('2025-02-01T00:00:00Z'))
        await setAlias(db, 'delay', 'champion', 2, { actor: 'bo', reason: 'better' })
        await setAlias(db, 'delay', 'challenger', 3, who)
        vi.setSystemTime(new Date('2025-03-01T00:00:00Z'))
        await deleteAlias(db, 'delay', 'challenger', who)

        expect((await getAlias(db, 'delay', 'champion')).version).toBe(2)
        expect((await aliasHistory(db, 'delay', 'champion')).map((e) => [e.fromVersion, e.toVersion, e.actor])).toEqual([
          [1, 2, 'bo'],
          [null, 1, 'ana'],
        ])
        expect(await aliasHistory(db, 'delay')).toHaveLength(4)
        expect(await versionAt(db, 'delay', 'champion', new Date('2024-12-31T00:00:00Z'))).toBeNull()
        expect(await versionAt(db, 'delay', 'champion', new Date('2025-01-15T00:00:00Z'))).toBe(1)
        expect(await versionAt(db, 'delay', 'champion', new Date('2025-02-01T00:00:00Z'))).toBe(2)
        expect(await versionAt(db, 'delay', 'challenger', new Date('2025-02-15T00:00:00Z'))).toBe(3)
        expect(await versionAt(db, 'delay', 'challenger', new Date('2025-03-15T00:00:00Z'))).toBeNull()
      } finally {
        vi.useRealTimers()
      }
    })

    it('rolls back like a stack and records each rollback', async () => {
      const db = await freshDatabase(dialect)
      for (let i = 0; i < 3; i++) await seedVersion(db, 'delay', GOOD_METRICS)
      for (const version of [1, 2, 3]) await setAlias(db, 'delay', 'champion', version, who)
      expect(await rollback(db, 'delay', 'champion', { actor: 'ops', reason: 'v3 regressed' })).toMatchObject({
        action: 'rollback',
        fromVersion: 3,
        toVersion: 2,
        actor: 'ops',
        reason: 'v3 regressed',
      })
      expect((await rollback(db, 'delay', 'champion', who)).toVersion).toBe(1)
      await expectTarmacError(() => rollback(db, 'delay', 'champion', who), 'conflict', 'no earlier version to roll back to')
      await expectTarmacError(() => rollback(db, 'delay', 'challenger', who), 'not_found', 'has no alias "challenger"')
      expect((await getAlias(db, 'delay', 'champion')).version).toBe(1)
    })
  })

  describe('promote', () => {
    it('promotes the first version against no champion and records the gate results', async () => {
      const db = await freshDatabase(dialect)
      await seedVersion(db, 'delay', GOOD_METRICS)
      const { event, gates } = await promote(db, 'delay', 1, who)
      expect(gates.every((g) => g.passed)).toBe(true)
      expect(event).toMatchObject({ alias: 'champion', toVersion: 1, forced: false, gates })
    })

    it('refuses a candidate that does not beat the champion, naming the gate', async () => {
      const db = await freshDatabase(dialect)
      await seedVersion(db, 'delay', GOOD_METRICS)
      await seedVersion(db, 'delay', { ...GOOD_METRICS, val_auc: 0.801 })
      await promote(db, 'delay', 1, who)
      const error = await captureError(() => promote(db, 'delay', 2, who))
      expect(error).toMatchObject({ code: 'gate_failed' })
      expect((error as Error).message).toMatch(/^version 2 of "delay" failed gate\(s\) beats_champion \(val_auc 0.801 vs champion 0.8/)
      expect((await getAlias(db, 'delay', 'champion')).version).toBe(1)
      expect(await aliasHistory(db, 'delay', 'champion')).toHaveLength(1)
    })

    it.each([
      ['beats_baseline', { ...GOOD_METRICS, baseline_auc: 0.9 }],
      ['calibration', { ...GOOD_METRICS, val_ece: 0.3 }],
      ['artifact_size', { ...GOOD_METRICS, int8_size_bytes: 1e9 }],
      ['latency', { ...GOOD_METRICS, latency_us: 1e9 }],
    ])('refuses on %s', async (gate, metrics) => {
      const db = await freshDatabase(dialect)
      await seedVersion(db, 'delay', metrics)
      await expectTarmacError(() => promote(db, 'delay', 1, who), 'gate_failed', `failed gate(s) ${gate} (`)
    })

    it("judges against the champion re-measured on the candidate's rows when given", async () => {
      const db = await freshDatabase(dialect)
      await seedVersion(db, 'delay', GOOD_METRICS)
      // retrained on recent data: its validation AUC is lower than the champion's March figure…
      await seedVersion(db, 'delay', { ...GOOD_METRICS, val_auc: GOOD_METRICS.val_auc - 0.05 })
      await promote(db, 'delay', 1, who)
      await expectTarmacError(() => promote(db, 'delay', 2, who), 'gate_failed', 'beats_champion')
      // …but the champion scores lower still on those same recent rows
      const { gates } = await promote(db, 'delay', 2, { ...who, championMetrics: { val_auc: GOOD_METRICS.val_auc - 0.1 } })
      expect(gates.find((g) => g.gate === 'beats_champion')).toMatchObject({ passed: true })
      expect((await getAlias(db, 'delay', 'champion')).version).toBe(2)
    })

    it('records a forced promotion with the failed gates', async () => {
      const db = await freshDatabase(dialect)
      await seedVersion(db, 'delay', { ...GOOD_METRICS, val_ece: 0.3 })
      await promote(db, 'delay', 1, { actor: 'ana', reason: 'hotfix', force: true, alias: 'staging' })
      const [event] = await aliasHistory(db, 'delay', 'staging')
      expect(event).toMatchObject({ toVersion: 1, forced: true, actor: 'ana', reason: 'hotfix' })
      expect(event.gates?.find((g) => g.gate === 'calibration')).toMatchObject({ passed: false })
    })

    it('honours gate config and refuses to re-promote the current holder', async () => {
      const db = await freshDatabase(dialect)
      await seedVersion(db, 'delay', { ...GOOD_METRICS, val_ece: 0.3 })
      await promote(db, 'delay', 1, { ...who, gates: { maxEce: 0.5 } })
      await expectTarmacError(() => promote(db, 'delay', 1, who), 'conflict', 'version 1 of "delay" already holds alias "champion"')
    })
  })
})
