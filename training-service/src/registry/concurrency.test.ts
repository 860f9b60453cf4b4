import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { asc } from 'drizzle-orm'
import { afterEach, describe, expect, it } from 'vitest'
import { openDatabase } from '../db/open.ts'
import { aliasEvents, modelAliases } from '../db/schema.ts'
import { getAlias } from './aliases.ts'
import { promote } from './promote.ts'
import { captureError, GOOD_METRICS, seedVersion } from './testing.ts'
import { getModel } from './versions.ts'

const run = promisify(execFile)
const WORKER = fileURLToPath(new URL('./concurrency-worker.ts', import.meta.url))
const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

function dbFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tarmac-race-'))
  dirs.push(dir)
  return join(dir, 'tarmac.db')
}

/** Two processes, two connections on one file, running the same operation as fast as they can. */
async function race(path: string, mode: 'register' | 'promote'): Promise<{ done: number; refused: number; busy: number }[]> {
  const startAt = String(Date.now() + 2500) // both workers have loaded tsx by then
  const outputs = await Promise.all(
    [0, 1].map((worker) =>
      run(process.execPath, ['--import', 'tsx', WORKER, path, mode, String(worker), startAt, '800'], { timeout: 30_000 }),
    ),
  )
  return outputs.map((o) => JSON.parse(o.stdout))
}

describe('registry under concurrent writers', () => {
  it('migrates a fresh file and numbers versions without gaps or duplicates across two connections', async () => {
    const path = dbFile()
    const results = await race(path, 'register')
    const db = openDatabase(path)
    const versions = getModel(db, 'race').versions.map((v) => v.version)
    const total = results.reduce((sum, r) => sum + r.done, 0)
    expect(results.every((r) => r.done > 0)).toBe(true)
    expect(versions.length).toBe(total)
    expect([...versions].sort((a, b) => a - b)).toEqual(Array.from({ length: total }, (_, i) => i + 1))
    db.$client.close()
  })

  it('concurrent promotions leave one champion and an unbroken audit chain', async () => {
    const path = dbFile()
    const setup = openDatabase(path)
    for (let v = 1; v <= 20; v++) seedVersion(setup, 'race', { ...GOOD_METRICS, val_auc: 0.7 + v * 0.01 })
    setup.$client.close()
    const results = await race(path, 'promote')
    expect(results.every((r) => r.done > 0)).toBe(true)
    // IMMEDIATE transactions queue on the lock instead of failing mid-transaction
    expect(results.map((r) => r.busy)).toEqual([0, 0])

    const db = openDatabase(path)
    const holders = db.select().from(modelAliases).all()
    expect(holders).toHaveLength(1)
    const events = db.select().from(aliasEvents).orderBy(asc(aliasEvents.id)).all()
    expect(events.length).toBe(results.reduce((sum, r) => sum + r.done, 0))
    // a lost update would show as an event whose from_version is not the previous event's to_version
    events.forEach((event, i) => {
      expect(event.fromVersion).toBe(i === 0 ? null : events[i - 1].toVersion)
    })
    expect(holders[0].version).toBe(events.at(-1)?.toVersion)
    const turns = events.filter((event, i) => i > 0 && event.actor !== events[i - 1].actor).length
    expect(turns).toBeGreaterThan(2) // the two writers really did interleave
    db.$client.close()
  })

  it('a promotion waiting on another writer fails as a conflict, then is judged against the new champion', () => {
    const path = dbFile()
    const a = openDatabase(path, { busyTimeoutMs: 50 })
    const b = openDatabase(path)
    seedVersion(a, 'race', { ...GOOD_METRICS, val_auc: 0.8 })
    seedVersion(a, 'race', { ...GOOD_METRICS, val_auc: 0.9 })
    const who = { actor: 'a', reason: 'race' }

    b.$client.exec('BEGIN IMMEDIATE')
    promote(b, 'race', 2, { actor: 'b', reason: 'race' })
    expect(captureError(() => promote(a, 'race', 1, who))).toMatchObject({ code: 'conflict', message: expect.stringContaining('busy') })
    b.$client.exec('COMMIT')

    expect(captureError(() => promote(a, 'race', 1, who))).toMatchObject({ code: 'gate_failed' })
    expect(getAlias(a, 'race', 'champion').version).toBe(2)
    a.$client.close()
    b.$client.close()
  })
})
