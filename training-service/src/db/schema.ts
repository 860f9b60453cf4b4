import { defineTables, sqliteKit } from './tables.ts'

/**
 * The SQLite tables, built from the one definition in tables.ts (schema-pg.ts builds the Postgres
 * twins from the same code). drizzle-kit reads the named exports below: drizzle.config.ts.
 */
export const sqliteTables = defineTables(sqliteKit)

export const { experiments, runs, params, metrics, tags, artifacts, registeredModels, modelVersions, modelAliases, aliasEvents } =
  sqliteTables

export { ALIAS_ACTIONS, type AliasAction, type GateResult, RUN_STATUSES, type RunStatus, type Tables } from './tables.ts'

export type Experiment = typeof experiments.$inferSelect
export type Run = typeof runs.$inferSelect
export type Artifact = typeof artifacts.$inferSelect
export type RegisteredModel = typeof registeredModels.$inferSelect
export type ModelVersion = typeof modelVersions.$inferSelect
export type ModelAlias = typeof modelAliases.$inferSelect
export type AliasEvent = typeof aliasEvents.$inferSelect
