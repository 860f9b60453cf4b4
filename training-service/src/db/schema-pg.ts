import type { PgTable } from 'drizzle-orm/pg-core'
import { defineTables, pgKit, type Tables } from './tables.ts'

/**
 * The Postgres tables, built from the same definition as the SQLite ones (tables.ts). At runtime
 * these are pg-core tables; they carry SQLite's static types so one query code path serves both.
 * drizzle-kit reads the named exports below: drizzle.pg.config.ts.
 */
export const pgTables: Tables = defineTables(pgKit)

const pg = pgTables as unknown as Record<keyof Tables, PgTable>

export const experiments = pg.experiments
export const runs = pg.runs
export const params = pg.params
export const metrics = pg.metrics
export const tags = pg.tags
export const artifacts = pg.artifacts
export const registeredModels = pg.registeredModels
export const modelVersions = pg.modelVersions
export const modelAliases = pg.modelAliases
export const aliasEvents = pg.aliasEvents
