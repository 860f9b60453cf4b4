import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { openDatabase, type TarmacDatabase } from './db/open.ts'
import { LocalArtifactStore } from './tracking/artifact-store.ts'

/** Where a Tarmac project keeps its state: tracking database, artifacts, step cache. */
export interface Home {
  root: string
  db: TarmacDatabase
  store: LocalArtifactStore
  cacheDir: string
  close(): void
}

export function homeDir(option?: string): string {
  return path.resolve(option ?? process.env.TARMAC_HOME ?? '.tarmac')
}

export function openHome(option?: string): Home {
  const root = homeDir(option)
  mkdirSync(root, { recursive: true })
  const db = openDatabase(path.join(root, 'tarmac.db'))
  return {
    root,
    db,
    store: new LocalArtifactStore(path.join(root, 'artifacts')),
    cacheDir: path.join(root, 'cache'),
    close: () => db.$client.close(),
  }
}
