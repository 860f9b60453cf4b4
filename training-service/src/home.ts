import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { openDatabase, type TarmacDatabase } from './db/open.ts'
import { type DatabaseTarget, parseDatabaseTarget } from './db/url.ts'
import { LocalArtifactStore } from './tracking/artifact-store.ts'

/** Where a Tarmac project keeps its state: tracking database, artifacts, step cache. */
export interface Home {
  root: string
  db: TarmacDatabase
  store: LocalArtifactStore
  cacheDir: string
  close(): Promise<void>
}

export function homeDir(option?: string): string {
  return path.resolve(option ?? process.env.TARMAC_HOME ?? '.tarmac')
}

/** The metadata store: TARMAC_DATABASE_URL when set (postgres://… or a SQLite path), else tarmac.db in the home. */
export function databaseTarget(root: string, env: NodeJS.ProcessEnv = process.env): DatabaseTarget {
  const url = env.TARMAC_DATABASE_URL
  if (url !== undefined && url.trim() !== '') return parseDatabaseTarget(url)
  return { dialect: 'sqlite', path: path.join(root, 'tarmac.db') }
}

export async function openHome(option?: string): Promise<Home> {
  const root = homeDir(option)
  const target = databaseTarget(root)
  mkdirSync(root, { recursive: true })
  const db = await openDatabase(target)
  return {
    root,
    db,
    store: new LocalArtifactStore(path.join(root, 'artifacts')),
    cacheDir: path.join(root, 'cache'),
    close: () => db.close(),
  }
}
