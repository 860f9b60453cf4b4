import type { PgTable } from 'drizzle-orm/pg-core'
import { getTableConfig as pgConfig } from 'drizzle-orm/pg-core'
import { type SQLiteTable, getTableConfig as sqliteConfig } from 'drizzle-orm/sqlite-core'
import { describe, expect, it } from 'vitest'
import { redactUrl } from '../redact-url.ts'
import { sqliteTables } from './schema.ts'
import { pgTables } from './schema-pg.ts'
import { parseDatabaseTarget } from './url.ts'

/** What must match across dialects: table names, and per column its name, nullability, key, default and kind. */
function shape(config: ReturnType<typeof sqliteConfig> | ReturnType<typeof pgConfig>) {
  return {
    name: config.name,
    columns: config.columns
      .map((c) => ({ name: c.name, notNull: c.notNull, primary: c.primary, hasDefault: c.hasDefault, dataType: c.dataType }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    primaryKeys: config.primaryKeys.map((pk) => pk.columns.map((c) => c.name)),
    foreignKeys: config.foreignKeys.map((fk) => fk.reference().columns.map((c) => c.name)).sort(),
    indexes: config.indexes.map((i) => i.config.name).sort(),
  }
}

describe('one schema, two dialects', () => {
  it('SQLite and Postgres have the same tables, columns, keys and indexes', () => {
    const sqlite = Object.values(sqliteTables).map((t) => shape(sqliteConfig(t as unknown as SQLiteTable)))
    const pg = Object.values(pgTables).map((t) => shape(pgConfig(t as unknown as PgTable)))
    expect(pg.map((t) => t.name)).toEqual(sqlite.map((t) => t.name))
    expect(sqlite.map((t) => t.name)).toContain('model_aliases')
    // kinds: the same JS type either side (a number, a string, a Date, JSON, a boolean)
    expect(pg).toEqual(sqlite)
  })
})

describe('database URLs', () => {
  it('reads Postgres URLs, SQLite paths and sqlite: URLs, and never repeats a password', () => {
    expect(parseDatabaseTarget('postgres://u:p@127.0.0.1:5432/db')).toEqual({
      dialect: 'postgres',
      url: 'postgres://u:p@127.0.0.1:5432/db',
    })
    expect(parseDatabaseTarget('postgresql://127.0.0.1/db')).toMatchObject({ dialect: 'postgres' })
    expect(parseDatabaseTarget('/var/lib/tarmac.db')).toEqual({ dialect: 'sqlite', path: '/var/lib/tarmac.db' })
    expect(parseDatabaseTarget('sqlite:/tmp/x.db')).toEqual({ dialect: 'sqlite', path: '/tmp/x.db' })
    expect(() => parseDatabaseTarget('mysql://u:secret@h/db')).toThrow('unsupported scheme "mysql:"')
    expect(() => parseDatabaseTarget('postgres://u:secret@[oops/db')).toThrow(
      /^TARMAC_DATABASE_URL: is not a valid URL \(postgres:\/\/\*\*\*@/,
    )
    expect(redactUrl('postgres://ana:hunter2@db:5432/t?sslmode=require')).toBe('postgres://ana:***@db:5432/t?sslmode=require')
    expect(redactUrl('postgres://db/t?password=hunter2')).not.toContain('hunter2')
  })
})
