import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { inject } from 'vitest'
import { type Dialect, type OpenDatabaseOptions, openDatabase, type TarmacDatabase } from '../db/open.ts'
import { createTestDatabase } from '../local/postgres-server.ts'

/**
 * The dialects a shared test suite runs against: `describe.each(DIALECTS)`. Postgres is there whenever
 * the globalSetup started a server (always in CI).
 */
export const DIALECTS: Dialect[] = inject('postgresUrl') ? ['sqlite', 'postgres'] : ['sqlite']

const folders: string[] = []

/** Where a fresh, empty database of the dialect lives: a SQLite file in a temp folder or a new Postgres database. */
export async function freshTarget(dialect: Dialect): Promise<string> {
  if (dialect === 'postgres') return createTestDatabase(inject('postgresUrl')!)
  const dir = mkdtempSync(path.join(tmpdir(), 'tarmac-db-'))
  folders.push(dir)
  return path.join(dir, 'tarmac.db')
}

/** A fresh, migrated database: SQLite in memory, or a new database on the test Postgres server. */
export async function freshDatabase(dialect: Dialect, options?: OpenDatabaseOptions): Promise<TarmacDatabase> {
  return openDatabase(dialect === 'sqlite' ? ':memory:' : await freshTarget(dialect), options)
}

/** Removes the temp folders freshTarget made (call from afterAll). */
export function removeTempFolders(): void {
  for (const dir of folders.splice(0)) rmSync(dir, { recursive: true, force: true })
}
