import { TarmacError } from '../registry/errors.ts'
import type { Db } from './open.ts'

/**
 * Runs `work` in a write transaction that takes the write lock up front (BEGIN IMMEDIATE),
 * so a read-check-write cannot interleave with another connection's. Inside an enclosing
 * transaction it becomes a savepoint and the outer lock already holds.
 */
export function writeTransaction<T>(db: Db, work: (tx: Db) => T): T {
  try {
    return db.transaction((tx) => work(tx), { behavior: 'immediate' })
  } catch (error) {
    if (isBusy(error)) throw new TarmacError('conflict', 'the database is busy: another writer holds the lock, retry')
    throw error
  }
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY')
}
