import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type Database from 'better-sqlite3'
import { drizzle as drizzleSqlite } from 'drizzle-orm/better-sqlite3'
import { migrate as migrateSqlite } from 'drizzle-orm/better-sqlite3/migrator'
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres'
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator'
import type pg from 'pg'
import type { Dialect, TarmacDatabase } from './open.ts'

/** An arbitrary constant: the session-level advisory lock that serialises migrations across Postgres clients. */
const MIGRATION_LOCK = 7_415_001

/** Where drizzle-kit writes each dialect's migrations: drizzle.config.ts and drizzle.pg.config.ts. */
export const MIGRATIONS_FOLDERS: Record<Dialect, string> = {
  sqlite: fileURLToPath(new URL('../../drizzle', import.meta.url)),
  postgres: fileURLToPath(new URL('../../drizzle-pg', import.meta.url)),
}

type JournalEntry = { tag: string; when: number }

/** The migrations drizzle-kit generated for a folder, oldest first. */
export function journal(folder: string): JournalEntry[] {
  const parsed = JSON.parse(readFileSync(path.join(folder, 'meta', '_journal.json'), 'utf8')) as { entries: JournalEntry[] }
  return parsed.entries.map(({ tag, when }) => ({ tag, when }))
}

/**
 * Applies the pending migrations of the database's dialect and returns their tags (empty when it was
 * up to date). drizzle applies every migration newer than the last one recorded, in one transaction.
 */
export async function applyMigrations(db: TarmacDatabase): Promise<string[]> {
  const folder = MIGRATIONS_FOLDERS[db.info.dialect]
  const entries = journal(folder)
  const pendingAfter = (last: number | null) => entries.filter((e) => last === null || e.when > last).map((e) => e.tag)
  if (db.info.sqlite) return migrateSqliteFile(db.info.sqlite, folder, pendingAfter)
  return migratePostgres(db.info.pool!, folder, pendingAfter)
}

function migrateSqliteFile(sqlite: Database.Database, folder: string, pendingAfter: (last: number | null) => string[]): string[] {
  const lastApplied = (): number | null => {
    const table = sqlite.prepare(`select 1 from sqlite_master where type = 'table' and name = '__drizzle_migrations'`).get()
    if (!table) return null
    const row = sqlite.prepare('select max(created_at) as last from __drizzle_migrations').get() as { last: number | null }
    return row.last === null ? null : Number(row.last)
  }
  const before = pendingAfter(lastApplied())
  const orm = drizzleSqlite(sqlite)
  try {
    migrateSqlite(orm, { migrationsFolder: folder })
  } catch {
    // drizzle checks for pending migrations before it takes the lock, so two connections opening a fresh
    // file together can both try to apply them; the loser's second pass finds them applied (or rethrows a real error)
    migrateSqlite(orm, { migrationsFolder: folder })
  }
  const after = new Set(pendingAfter(lastApplied()))
  return before.filter((tag) => !after.has(tag))
}

async function migratePostgres(pool: pg.Pool, folder: string, pendingAfter: (last: number | null) => string[]): Promise<string[]> {
  // one connection holds the advisory lock and runs the migrations, so two services starting together take turns
  const client = await pool.connect()
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK])
    try {
      const exists = await client.query(`select to_regclass('drizzle.__drizzle_migrations') is not null as present`)
      const last = exists.rows[0].present
        ? (await client.query('select max(created_at) as last from drizzle.__drizzle_migrations')).rows[0].last
        : null
      const pending = pendingAfter(last === null ? null : Number(last))
      if (pending.length > 0) await migratePg(drizzlePg(client), { migrationsFolder: folder })
      return pending
    } finally {
      await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK])
    }
  } finally {
    client.release()
  }
}
