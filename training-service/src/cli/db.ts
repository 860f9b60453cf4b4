import { mkdirSync } from 'node:fs'
import path from 'node:path'
import type { Command } from 'commander'
import { applyMigrations, journal, MIGRATIONS_FOLDERS } from '../db/migrate.ts'
import { type Dialect, openDatabase } from '../db/open.ts'
import { TarmacError } from '../errors.ts'
import { databaseTarget, homeDir } from '../home.ts'
import { type CommonFlags, stateCommand } from './format-command.ts'
import { emit } from './output.ts'

type Migrated = { dialect: Dialect; database: string; applied: string[]; migrations: number }

export function registerDbCommands(program: Command): void {
  const db = program.command('db').description('the metadata store: SQLite in the state folder, or Postgres via $TARMAC_DATABASE_URL')

  stateCommand(db, 'migrate', 'apply pending schema migrations to the metadata store and list them').action(async (flags: CommonFlags) => {
    const target = databaseTarget(homeDir(flags.home))
    if (target.dialect === 'sqlite' && target.path !== ':memory:') mkdirSync(path.dirname(target.path), { recursive: true })
    const opened = await openDatabase(target, { migrate: false })
    let applied: string[]
    try {
      applied = await applyMigrations(opened)
    } catch (error) {
      const reason = (error as Error).message.split('\n')[0]
      throw new TarmacError('unavailable', `migrating the metadata store at ${opened.info.location} failed: ${reason}`)
    } finally {
      await opened.close()
    }
    const result: Migrated = {
      dialect: target.dialect,
      database: opened.info.location,
      applied,
      migrations: journal(MIGRATIONS_FOLDERS[target.dialect]).length,
    }
    emit(Boolean(flags.json), result, formatMigrated)
  })
}

function formatMigrated(m: Migrated): string {
  if (m.applied.length === 0) return `${m.dialect} ${m.database}: up to date (${m.migrations} migration${m.migrations === 1 ? '' : 's'})`
  return [`${m.dialect} ${m.database}: applied ${m.applied.length} migration(s)`, ...m.applied.map((tag) => `  ${tag}`)].join('\n')
}
