import { fileURLToPath } from 'node:url'
import type { RunResult } from 'better-sqlite3'
import Database from 'better-sqlite3'
import { type BetterSQLite3Database, drizzle } from 'drizzle-orm/better-sqlite3'
import { migrate } from 'drizzle-orm/better-sqlite3/migrator'
import type { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core'
import * as schema from './schema.ts'

export type TarmacSchema = typeof schema
/** An open database: what openDatabase returns; close it with `db.$client.close()`. */
export type TarmacDatabase = BetterSQLite3Database<TarmacSchema> & { $client: Database.Database }
/** A database or a transaction on it: every tracking and registry function accepts either. */
export type Db = BaseSQLiteDatabase<'sync', RunResult, TarmacSchema>

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle', import.meta.url))

export type OpenDatabaseOptions = {
  /** how long a writer waits for another connection's write lock before failing */
  busyTimeoutMs?: number
}

/** Opens (creating if needed) a Tarmac database at `path` (`:memory:` for tests) and applies pending migrations. */
export function openDatabase(path: string, { busyTimeoutMs = 5000 }: OpenDatabaseOptions = {}): TarmacDatabase {
  const sqlite = new Database(path)
  const timeoutMs = Math.max(0, Math.floor(busyTimeoutMs))
  sqlite.pragma(`busy_timeout = ${timeoutMs}`)
  // WAL lets readers proceed while one writer commits; file-backed databases only
  if (path !== ':memory:') switchToWal(sqlite, timeoutMs)
  sqlite.pragma('foreign_keys = ON')
  const db = drizzle(sqlite, { schema })
  try {
    migrate(db, { migrationsFolder: MIGRATIONS_FOLDER })
  } catch {
    // drizzle checks for pending migrations before it takes the lock, so two connections opening a fresh
    // file together can both try to apply them; the loser's second pass finds them applied (or rethrows a real error)
    migrate(db, { migrationsFolder: MIGRATIONS_FOLDER })
  }
  return db
}

/**
 * SQLite answers SQLITE_BUSY at once, without its busy handler, when another connection is switching
 * the same fresh file to WAL; so wait and retry here, within the same timeout.
 */
function switchToWal(sqlite: Database.Database, timeoutMs: number): void {
  const deadline = Date.now() + timeoutMs
  const pause = new Int32Array(new SharedArrayBuffer(4))
  for (;;) {
    try {
      sqlite.pragma('journal_mode = WAL')
      return
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() >= deadline) throw error
      Atomics.wait(pause, 0, 0, 10)
    }
  }
}
