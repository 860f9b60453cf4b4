import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { asc } from 'drizzle-orm'
import { afterAll, describe, expect, it } from 'vitest'
import { openDatabase } from '../db/open.ts'
import { writeTransaction } from '../db/transaction.ts'
import { DIALECTS, freshDatabase, freshTarget, removeTempFolders } from '../testing/dialects.ts'
import { getAlias } from './aliases.ts'
import { promote } from './promote.ts'
import { captureError, GOOD_METRICS, seedVersion } from './testing.ts'
import { getModel } from './versions.ts'

const run = promisify(execFile)
const WORKER = fileURLToPath(new URL('./concurrency-worker.ts', import.meta.url))
afterAll(removeTempFolders)

/** Two processes, two connections on one database, running the same operation as fast as they can. */
async function race(target: string, mode: 'register' | 'promote'): Promise<{ done: number; refused: number; busy: number }[]> {
  const startAt = String(Date.now() + 2500) // both workers have loaded tsx by then
  const outputs = await Promise.all(
    [0, 1].map((worker) =>
      run(process.execPath, ['--import', 'tsx', WORKER, target, mode, String(worker), startAt, '800'], { timeout: 30_000 }),
    ),
  )
  return outputs.map((o) => JSON.parse(o.stdout))
}

describe.each(DIALECTS)('registry under concurrent writers on %s', (dialect) => {
  it('migrates a fresh database and numbers versions without gaps or duplicates across two connections', async () => {
    const target = await freshTarget(dialect)
    const results = await race(target, 'register')
    const db = await openDatabase(target)
    const versions = (await getModel(db, 'race')).versions.map((v) => v.version)
    const total = results.reduce((sum, r) => sum + r.done, 0)
    expect(results.every((r) => r.done > 0)).toBe(true)
    expect(versions.length).toBe(total)
    expect([...versions].sort((a, b) => a - b)).toEqual(Array.from({ length: total }, (_, i) => i + 1))
    await db.close()
  })

  it('concurrent promotions leave one champion and an unbroken audit chain', async () => {
    const target = await freshTarget(dialect)
    const setup = await openDatabase(target)
    for (let v = 1; v <= 20; v++) await seedVersion(setup, 'race', { ...GOOD_METRICS, val_auc: 0.7 + v * 0.01 })
    await setup.close()
    const results = await race(target, 'promote')
    expect(results.every((r) => r.done > 0)).toBe(true)
    // writers queue on the lock (SQLite's IMMEDIATE transaction, Postgres's row lock) instead of failing mid-transaction
    expect(results.map((r) => r.busy)).toEqual([0, 0])

    const db = await openDatabase(target)
    const holders = await db.select().from(db.t.modelAliases)
    expect(holders).toHaveLength(1)
    const events = await db.select().from(db.t.aliasEvents).orderBy(asc(db.t.aliasEvents.id))
    expect(events.length).toBe(results.reduce((sum, r) => sum + r.done, 0))
    // a lost update would show as an event whose from_version is not the previous event's to_version
    events.forEach((event, i) => {
      expect(event.fromVersion).toBe(i === 0 ? null : events[i - 1].toVersion)
    })
    expect(holders[0].version).toBe(events.at(-1)?.toVersion)
    const turns = events.filter((event, i) => i > 0 && event.actor !== events[i - 1].actor).length
    // the two writers overlapped: the chain changes hands at least once (how often depends on the scheduler: a
    // loaded CI machine once let one writer finish most of its turns first)
    expect(turns).toBeGreaterThan(0)
    await db.close()
  })

  it('concurrent calls on one connection (or one pool) queue rather than collide', async () => {
    const db = await freshDatabase(dialect)
    // async transactions interleave in one process: SQLite's queue, Postgres's row lock keep them apart
    const versions = await Promise.all(Array.from({ length: 8 }, () => seedVersion(db, 'race', GOOD_METRICS)))
    expect(versions.map((v) => v.version).sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
    const promotions = await Promise.allSettled([3, 5].map((v) => promote(db, 'race', v, { actor: `p${v}`, reason: 'race' })))
    // equal metrics: whichever is judged second gains nothing over the first champion and is refused
    expect(promotions.filter((p) => p.status === 'fulfilled')).toHaveLength(1)
    expect(await db.select().from(db.t.modelAliases)).toHaveLength(1)
    await db.close()
  })

  it('a promotion waiting on another writer fails as a conflict, then is judged against the new champion', async () => {
    const target = await freshTarget(dialect)
    const a = await openDatabase(target, { busyTimeoutMs: 50 })
    const b = await openDatabase(target)
    await seedVersion(a, 'race', { ...GOOD_METRICS, val_auc: 0.8 })
    await seedVersion(a, 'race', { ...GOOD_METRICS, val_auc: 0.9 })
    const who = { actor: 'a', reason: 'race' }

    // b promotes version 2 inside a transaction it keeps open until a's attempt has timed out
    let release!: () => void
    const held = new Promise<void>((resolve) => {
      release = resolve
    })
    let promoted!: () => void
    const inside = new Promise<void>((resolve) => {
      promoted = resolve
    })
    const writer = writeTransaction(b, async (tx) => {
      await promote(tx, 'race', 2, { actor: 'b', reason: 'race' })
      promoted()
      await held
    })
    await inside
    expect(await captureError(() => promote(a, 'race', 1, who))).toMatchObject({
      code: 'conflict',
      message: expect.stringContaining('busy'),
    })
    release()
    await writer

    expect(await captureError(() => promote(a, 'race', 1, who))).toMatchObject({ code: 'gate_failed' })
    expect((await getAlias(a, 'race', 'champion')).version).toBe(2)
    await a.close()
    await b.close()
  })
})
