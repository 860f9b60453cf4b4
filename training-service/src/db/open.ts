import Database from 'better-sqlite3'
import { drizzle as drizzleSqlite } from 'drizzle-orm/better-sqlite3'
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres'
import type { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core'
import pg from 'pg'
import { TarmacError } from '../errors.ts'
import { applyMigrations } from './migrate.ts'
import { sqliteTables } from './schema.ts'
import { pgTables } from './schema-pg.ts'
import type { Tables } from './tables.ts'
import { type DatabaseTarget, describeTarget, parseDatabaseTarget } from './url.ts'

export type Dialect = DatabaseTarget['dialect']

/**
 * The query builder every tracking and registry function uses. Its static type is SQLite's async one,
 * whose builders Postgres shares call for call; every query is awaited, so the synchronous better-sqlite3
 * driver and the asynchronous node-postgres one both fit.
 */
export type Orm = BaseSQLiteDatabase<'async', unknown>

export type DbInfo = {
  dialect: Dialect
  /** the file path or the redacted URL: safe to print */
  location: string
  busyTimeoutMs: number
  /** set on the handle writeTransaction passes to its work */
  inTransaction: boolean
  sqlite?: Database.Database
  pool?: pg.Pool
  /** SQLite: one write transaction at a time on this connection (see transaction.ts) */
  writeQueue: { tail: Promise<unknown> }
}

/** A database or a transaction on it: every tracking and registry function accepts either. */
export type Db = Orm & {
  /** the tables of this database's dialect: query them through this, not through schema.ts */
  readonly t: Tables
  readonly info: DbInfo
}

/** An open database: what openDatabase returns; close it with `await db.close()`. */
export type TarmacDatabase = Db & { close(): Promise<void> }

export type OpenDatabaseOptions = {
  /** how long a writer waits for another connection's lock before failing as busy */
  busyTimeoutMs?: number
  /** apply pending migrations on open (default); `tarmac db migrate` opens without and applies them itself */
  migrate?: boolean
}

/**
 * Opens a Tarmac database and applies pending migrations. `target` is a SQLite file path (`:memory:`
 * for tests), a `sqlite:` URL or a `postgres://` URL. Fails with a one-line TarmacError on a bad URL or
 * an unreachable server, never printing the URL's password.
 */
export async function openDatabase(target: string | DatabaseTarget, options: OpenDatabaseOptions = {}): Promise<TarmacDatabase> {
  const parsed = typeof target === 'string' ? parseDatabaseTarget(target, 'database') : target
  const busyTimeoutMs = Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))
  const db = parsed.dialect === 'sqlite' ? openSqlite(parsed.path, busyTimeoutMs) : await openPostgres(parsed, busyTimeoutMs)
  if (options.migrate !== false) {
    try {
      await applyMigrations(db)
    } catch (error) {
      await db.close()
      throw unavailable(db.info.location, error)
    }
  }
  return db
}

function openSqlite(path: string, busyTimeoutMs: number): TarmacDatabase {
  let sqlite: Database.Database
  try {
    sqlite = new Database(path)
    sqlite.pragma(`busy_timeout = ${busyTimeoutMs}`)
    // WAL lets readers proceed while one writer commits; file-backed databases only
    if (path !== ':memory:') switchToWal(sqlite, busyTimeoutMs)
    sqlite.pragma('foreign_keys = ON')
  } catch (error) {
    throw unavailable(path, error)
  }
  const orm = drizzleSqlite(sqlite) as unknown as Orm
  const info: DbInfo = {
    dialect: 'sqlite',
    location: path,
    busyTimeoutMs,
    inTransaction: false,
    sqlite,
    writeQueue: { tail: Promise.resolve() },
  }
  return Object.assign(orm, {
    t: sqliteTables,
    info,
    close: async () => {
      sqlite.close()
    },
  })
}

async function openPostgres(target: { url: string }, busyTimeoutMs: number): Promise<TarmacDatabase> {
  const location = describeTarget({ dialect: 'postgres', url: target.url })
  // allowExitOnIdle: a command that forgets to close the pool still exits once its queries are done
  const pool = new pg.Pool({ connectionString: target.url, connectionTimeoutMillis: 5000, max: 10, allowExitOnIdle: true })
  // an idle client's error (the server restarting) must not crash the process: the next query reports it
  pool.on('error', () => {})
  try {
    const client = await pool.connect()
    client.release()
  } catch (error) {
    await pool.end().catch(() => {})
    throw unavailable(location, error)
  }
  const orm = drizzlePg(pool) as unknown as Orm
  const info: DbInfo = { dialect: 'postgres', location, busyTimeoutMs, inTransaction: false, pool, writeQueue: { tail: Promise.resolve() } }
  return Object.assign(orm, { t: pgTables, info, close: () => pool.end() })
}

/**
 * A native addon built for another Node's ABI (node_modules installed under one Node, run under another):
 * Node's own message spreads the cause over several lines, so the first line alone says nothing.
 */
export function nativeAddonProblem(error: unknown): string | undefined {
  const message = (error as { message?: string } | null)?.message ?? ''
  const versions = /NODE_MODULE_VERSION (\d+)[\s\S]*NODE_MODULE_VERSION (\d+)/.exec(message)
  if (versions === null) return undefined
  return `better-sqlite3 was compiled for another Node (NODE_MODULE_VERSION ${versions[1]}; Node ${process.versions.node} requires ${versions[2]}): run npm rebuild better-sqlite3`
}

/** One line naming the database (password redacted) and the cause, e.g. "connection refused". */
function unavailable(location: string, error: unknown): TarmacError {
  if (error instanceof TarmacError) return error
  const e = error as { code?: string; message?: string } | null
  const reason =
    e?.code === 'ECONNREFUSED'
      ? 'connection refused (is the server running?)'
      : e?.code === 'ENOTFOUND'
        ? 'host not found'
        : e?.code === '28P01' || e?.code === '28000'
          ? 'authentication failed'
          : e?.code === '3D000'
            ? 'the database does not exist'
            : (nativeAddonProblem(error) ?? (e?.message ?? String(error)).split('\n')[0])
  return new TarmacError('unavailable', `cannot open the metadata store at ${location}: ${reason}`)
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
