import { type AnySQLiteColumn, foreignKey, index, integer, primaryKey, real, sqliteTable, text } from 'drizzle-orm/sqlite-core'

/**
 * The single definition of Tarmac's tracking and registry tables.
 * Kept to types every SQL dialect has (text, integer, real; timestamps as epoch milliseconds,
 * JSON as text) so a Postgres twin can mirror it column for column.
 */

export const RUN_STATUSES = ['running', 'finished', 'failed', 'cached'] as const
export type RunStatus = (typeof RUN_STATUSES)[number]

export const ALIAS_ACTIONS = ['set', 'rollback', 'delete'] as const
export type AliasAction = (typeof ALIAS_ACTIONS)[number]

/** Outcome of one promotion gate, stored verbatim in the audit trail. */
export type GateResult = { gate: string; passed: boolean; detail: string }

const timestamp = (name: string) => integer(name, { mode: 'timestamp_ms' })

export const experiments = sqliteTable('experiments', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  name: text('name').notNull().unique(),
  createdAt: timestamp('created_at').notNull(),
})

export const runs = sqliteTable(
  'runs',
  {
    id: text('id').primaryKey(),
    experimentId: integer('experiment_id')
      .notNull()
      .references(() => experiments.id),
    name: text('name').notNull(),
    /** set for the trials of a sweep: the sweep's own run */
    parentRunId: text('parent_run_id').references((): AnySQLiteColumn => runs.id),
    status: text('status', { enum: RUN_STATUSES }).notNull(),
    startedAt: timestamp('started_at').notNull(),
    endedAt: timestamp('ended_at'),
    gitCommit: text('git_commit'),
    dataVersion: text('data_version'),
    seed: integer('seed'),
    environment: text('environment', { mode: 'json' }).$type<Record<string, string>>(),
    error: text('error'),
  },
  (t) => [index('runs_experiment_idx').on(t.experimentId, t.startedAt), index('runs_parent_idx').on(t.parentRunId)],
)

export const params = sqliteTable(
  'params',
  {
    runId: text('run_id')
      .notNull()
      .references(() => runs.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    value: text('value').notNull(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.key] })],
)

/** A metric is a series: one row per logged point; its final value is the point with the highest step. */
export const metrics = sqliteTable(
  'metrics',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    runId: text('run_id')
      .notNull()
      .references(() => runs.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    value: real('value').notNull(),
    step: integer('step').notNull(),
    timestamp: timestamp('timestamp').notNull(),
  },
  (t) => [index('metrics_run_key_step_idx').on(t.runId, t.key, t.step)],
)

export const tags = sqliteTable(
  'tags',
  {
    runId: text('run_id')
      .notNull()
      .references(() => runs.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    value: text('value').notNull(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.key] })],
)

export const artifacts = sqliteTable(
  'artifacts',
  {
    runId: text('run_id')
      .notNull()
      .references(() => runs.id, { onDelete: 'cascade' }),
    path: text('path').notNull(),
    sha256: text('sha256').notNull(),
    size: integer('size').notNull(),
    uri: text('uri').notNull(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.path] })],
)

export const registeredModels = sqliteTable('registered_models', {
  name: text('name').primaryKey(),
  description: text('description').notNull().default(''),
  createdAt: timestamp('created_at').notNull(),
})

/** Immutable once written: the registry exposes no update for it. */
export const modelVersions = sqliteTable(
  'model_versions',
  {
    modelName: text('model_name')
      .notNull()
      .references(() => registeredModels.name),
    version: integer('version').notNull(),
    runId: text('run_id')
      .notNull()
      .references(() => runs.id),
    dataVersion: text('data_version'),
    artifactUri: text('artifact_uri').notNull(),
    manifestSha256: text('manifest_sha256').notNull(),
    /** the run's final metrics when the version was registered: gates read these, not the live run */
    metrics: text('metrics', { mode: 'json' }).$type<Record<string, number>>().notNull(),
    createdAt: timestamp('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.modelName, t.version] })],
)

export const modelAliases = sqliteTable(
  'model_aliases',
  {
    modelName: text('model_name').notNull(),
    alias: text('alias').notNull(),
    version: integer('version').notNull(),
    updatedAt: timestamp('updated_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.modelName, t.alias] }),
    foreignKey({ columns: [t.modelName, t.version], foreignColumns: [modelVersions.modelName, modelVersions.version] }),
  ],
)

/** Append-only audit trail of every alias move; versionAt() and rollback() read it. */
export const aliasEvents = sqliteTable(
  'alias_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    modelName: text('model_name')
      .notNull()
      .references(() => registeredModels.name),
    alias: text('alias').notNull(),
    action: text('action', { enum: ALIAS_ACTIONS }).notNull(),
    fromVersion: integer('from_version'),
    /** null when the alias was deleted */
    toVersion: integer('to_version'),
    actor: text('actor').notNull(),
    reason: text('reason').notNull(),
    forced: integer('forced', { mode: 'boolean' }).notNull().default(false),
    gates: text('gates', { mode: 'json' }).$type<GateResult[]>(),
    at: timestamp('at').notNull(),
  },
  (t) => [index('alias_events_lookup_idx').on(t.modelName, t.alias, t.at)],
)

export type Experiment = typeof experiments.$inferSelect
export type Run = typeof runs.$inferSelect
export type Artifact = typeof artifacts.$inferSelect
export type RegisteredModel = typeof registeredModels.$inferSelect
export type ModelVersion = typeof modelVersions.$inferSelect
export type ModelAlias = typeof modelAliases.$inferSelect
export type AliasEvent = typeof aliasEvents.$inferSelect
