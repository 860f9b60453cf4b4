import { sql } from 'drizzle-orm'
import type { NodePgDatabase } from 'drizzle-orm/node-postgres'
import { TarmacError } from '../errors.ts'
import type { Db, DbInfo } from './open.ts'

/**
 * Runs `work` in a write transaction; inside an enclosing one it joins it.
 *
 * SQLite: BEGIN IMMEDIATE takes the database's write lock up front, so a read-check-write cannot
 * interleave with another connection's (busy_timeout bounds the wait). better-sqlite3's own
 * transaction helper cannot span an await, so the transaction is opened and closed by hand, and one
 * write transaction at a time runs on a connection (other callers queue in-process).
 *
 * Postgres: a READ COMMITTED transaction with `lock_timeout` set to the busy timeout; functions that
 * read-check-write call lockModel()/lockRun() first, which take row locks (SELECT … FOR UPDATE)
 * that play the part of SQLite's write lock for that one model or run.
 *
 * Either way, waiting longer than the busy timeout for another writer fails as a `conflict`.
 */
export async function writeTransaction<T>(db: Db, work: (tx: Db) => Promise<T>): Promise<T> {
  if (db.info.inTransaction) return work(db)
  try {
    return db.info.dialect === 'sqlite' ? await sqliteTransaction(db, work) : await pgTransaction(db, work)
  } catch (error) {
    if (isBusy(error)) throw new TarmacError('conflict', 'the database is busy: another writer holds the lock, retry')
    if (isUniqueViolation(error)) throw new TarmacError('conflict', 'a concurrent write got there first: retry')
    throw error
  }
}

/** Postgres: locks the model's row until the transaction ends (no-op on SQLite, whose IMMEDIATE transaction already holds the file). */
export async function lockModel(tx: Db, name: string): Promise<void> {
  await lockRow(tx, sql`select 1 from registered_models where name = ${name} for update`)
}

/** Postgres: locks the run's row until the transaction ends (no-op on SQLite). */
export async function lockRun(tx: Db, runId: string): Promise<void> {
  await lockRow(tx, sql`select 1 from runs where id = ${runId} for update`)
}

async function lockRow(tx: Db, query: ReturnType<typeof sql>): Promise<void> {
  if (tx.info.dialect !== 'postgres') return
  if (!tx.info.inTransaction) throw new Error('row locks need a writeTransaction')
  await (tx as unknown as NodePgDatabase).execute(query)
}

const inside = (db: Db, tx: object): Db => Object.assign(tx, { t: db.t, info: { ...db.info, inTransaction: true } satisfies DbInfo }) as Db

async function sqliteTransaction<T>(db: Db, work: (tx: Db) => Promise<T>): Promise<T> {
  const queue = db.info.writeQueue
  const previous = queue.tail
  let release!: () => void
  queue.tail = new Promise<void>((resolve) => {
    release = resolve
  })
  await previous
  const sqlite = db.info.sqlite!
  try {
    sqlite.exec('BEGIN IMMEDIATE')
    try {
      // the same connection, marked as inside a transaction: nested writeTransactions join it
      const result = await work(inside(db, Object.create(db)))
      sqlite.exec('COMMIT')
      return result
    } catch (error) {
      if (sqlite.inTransaction) sqlite.exec('ROLLBACK')
      throw error
    }
  } finally {
    release()
  }
}

async function pgTransaction<T>(db: Db, work: (tx: Db) => Promise<T>): Promise<T> {
  const orm = db as unknown as NodePgDatabase
  return orm.transaction(async (tx) => {
    await tx.execute(sql.raw(`set local lock_timeout = ${Math.max(1, db.info.busyTimeoutMs)}`))
    return work(inside(db, tx))
  })
}

function isBusy(error: unknown): boolean {
  const code = errorCode(error)
  // SQLITE_BUSY*, Postgres lock_not_available (lock_timeout) and deadlock_detected
  return (typeof code === 'string' && code.startsWith('SQLITE_BUSY')) || code === '55P03' || code === '40P01'
}

const isUniqueViolation = (error: unknown) => errorCode(error) === '23505'

/** drizzle wraps driver errors in a DrizzleQueryError whose cause is the driver's error. */
function errorCode(error: unknown): unknown {
  for (let e = error as { code?: unknown; cause?: unknown } | null, depth = 0; e && depth < 3; e = e.cause as typeof e, depth++) {
    if (e.code !== undefined) return e.code
  }
  return undefined
}
