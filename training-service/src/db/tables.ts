import {
  bigint,
  boolean,
  doublePrecision,
  json,
  foreignKey as pgForeignKey,
  index as pgIndex,
  primaryKey as pgPrimaryKey,
  pgTable,
  text as pgText,
  timestamp as pgTimestamp,
} from 'drizzle-orm/pg-core'
import { type AnySQLiteColumn, foreignKey, index, integer, primaryKey, real, sqliteTable, text } from 'drizzle-orm/sqlite-core'

/**
 * The one definition of Tarmac's tracking and registry tables, written against a small column kit
 * so the same code builds the SQLite tables (schema.ts) and their Postgres twins (schema-pg.ts):
 * the two dialects cannot drift. Column kinds are the ones every SQL dialect has: text, 64-bit
 * integers, doubles, booleans, millisecond timestamps and JSON.
 */

export const RUN_STATUSES = ['running', 'finished', 'failed', 'cached'] as const
export type RunStatus = (typeof RUN_STATUSES)[number]

export const ALIAS_ACTIONS = ['set', 'rollback', 'delete'] as const
export type AliasAction = (typeof ALIAS_ACTIONS)[number]

/** Outcome of one promotion gate, stored verbatim in the audit trail. */
export type GateResult = { gate: string; passed: boolean; detail: string }

/** SQLite's column kinds; its types are the ones the query code sees for both dialects. */
export const sqliteKit = {
  table: sqliteTable,
  /** an auto-incrementing integer key */
  id: <N extends string>(name: N) => integer(name).primaryKey({ autoIncrement: true }),
  text: <N extends string>(name: N) => text(name),
  enumText: <N extends string, U extends string, T extends Readonly<[U, ...U[]]>>(name: N, values: T) => text(name, { enum: values }),
  int: <N extends string>(name: N) => integer(name),
  double: <N extends string>(name: N) => real(name),
  /** epoch milliseconds in SQLite */
  timestamp: <N extends string>(name: N) => integer(name, { mode: 'timestamp_ms' }),
  json: <N extends string>(name: N) => text(name, { mode: 'json' }),
  bool: <N extends string>(name: N) => integer(name, { mode: 'boolean' }),
  index,
  primaryKey,
  foreignKey,
}

export type TableKit = typeof sqliteKit

/**
 * The same kinds in Postgres: bigint for SQLite's 64-bit integers, double precision for its 8-byte reals,
 * timestamptz(3) for millisecond timestamps, json (not jsonb, which reorders keys) for JSON text.
 * Its runtime builders have the calls the definition makes; only the static types are SQLite's.
 */
export const pgKit = {
  table: pgTable,
  id: (name: string) => bigint(name, { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
  text: (name: string) => pgText(name),
  enumText: (name: string, values: readonly [string, ...string[]]) => pgText(name, { enum: [...values] as [string, ...string[]] }),
  int: (name: string) => bigint(name, { mode: 'number' }),
  double: (name: string) => doublePrecision(name),
  timestamp: (name: string) => pgTimestamp(name, { withTimezone: true, precision: 3, mode: 'date' }),
  json: (name: string) => json(name),
  bool: (name: string) => boolean(name),
  index: pgIndex,
  primaryKey: pgPrimaryKey,
  foreignKey: pgForeignKey,
} as unknown as TableKit

export function defineTables(k: TableKit) {
  const experiments = k.table('experiments', {
    id: k.id('id'),
    name: k.text('name').notNull().unique(),
    createdAt: k.timestamp('created_at').notNull(),
  })

  const runs = k.table(
    'runs',
    {
      id: k.text('id').primaryKey(),
      experimentId: k
        .int('experiment_id')
        .notNull()
        .references(() => experiments.id),
      name: k.text('name').notNull(),
      /** set for the trials of a sweep: the sweep's own run */
      parentRunId: k.text('parent_run_id').references((): AnySQLiteColumn => runs.id),
      status: k.enumText('status', RUN_STATUSES).notNull(),
      startedAt: k.timestamp('started_at').notNull(),
      endedAt: k.timestamp('ended_at'),
      gitCommit: k.text('git_commit'),
      dataVersion: k.text('data_version'),
      seed: k.int('seed'),
      environment: k.json('environment').$type<Record<string, string>>(),
      error: k.text('error'),
    },
    (t) => [k.index('runs_experiment_idx').on(t.experimentId, t.startedAt), k.index('runs_parent_idx').on(t.parentRunId)],
  )

  const params = k.table(
    'params',
    {
      runId: k
        .text('run_id')
        .notNull()
        .references(() => runs.id, { onDelete: 'cascade' }),
      key: k.text('key').notNull(),
      value: k.text('value').notNull(),
    },
    (t) => [k.primaryKey({ columns: [t.runId, t.key] })],
  )

  /** A metric is a series: one row per logged point; its final value is the point with the highest step. */
  const metrics = k.table(
    'metrics',
    {
      id: k.id('id'),
      runId: k
        .text('run_id')
        .notNull()
        .references(() => runs.id, { onDelete: 'cascade' }),
      key: k.text('key').notNull(),
      value: k.double('value').notNull(),
      step: k.int('step').notNull(),
      timestamp: k.timestamp('timestamp').notNull(),
    },
    (t) => [k.index('metrics_run_key_step_idx').on(t.runId, t.key, t.step)],
  )

  const tags = k.table(
    'tags',
    {
      runId: k
        .text('run_id')
        .notNull()
        .references(() => runs.id, { onDelete: 'cascade' }),
      key: k.text('key').notNull(),
      value: k.text('value').notNull(),
    },
    (t) => [k.primaryKey({ columns: [t.runId, t.key] })],
  )

  const artifacts = k.table(
    'artifacts',
    {
      runId: k
        .text('run_id')
        .notNull()
        .references(() => runs.id, { onDelete: 'cascade' }),
      path: k.text('path').notNull(),
      sha256: k.text('sha256').notNull(),
      size: k.int('size').notNull(),
      uri: k.text('uri').notNull(),
    },
    (t) => [k.primaryKey({ columns: [t.runId, t.path] })],
  )

  const registeredModels = k.table('registered_models', {
    name: k.text('name').primaryKey(),
    description: k.text('description').notNull().default(''),
    createdAt: k.timestamp('created_at').notNull(),
  })

  /** Immutable once written: the registry exposes no update for it. */
  const modelVersions = k.table(
    'model_versions',
    {
      modelName: k
        .text('model_name')
        .notNull()
        .references(() => registeredModels.name),
      version: k.int('version').notNull(),
      runId: k
        .text('run_id')
        .notNull()
        .references(() => runs.id),
      dataVersion: k.text('data_version'),
      artifactUri: k.text('artifact_uri').notNull(),
      manifestSha256: k.text('manifest_sha256').notNull(),
      /** the run's final metrics when the version was registered: gates read these, not the live run */
      metrics: k.json('metrics').$type<Record<string, number>>().notNull(),
      createdAt: k.timestamp('created_at').notNull(),
    },
    (t) => [k.primaryKey({ columns: [t.modelName, t.version] })],
  )

  /** One row per (model, alias): the primary key is what makes "two champions" unrepresentable. */
  const modelAliases = k.table(
    'model_aliases',
    {
      modelName: k.text('model_name').notNull(),
      alias: k.text('alias').notNull(),
      version: k.int('version').notNull(),
      updatedAt: k.timestamp('updated_at').notNull(),
    },
    (t) => [
      k.primaryKey({ columns: [t.modelName, t.alias] }),
      k.foreignKey({ columns: [t.modelName, t.version], foreignColumns: [modelVersions.modelName, modelVersions.version] }),
    ],
  )

  /** Append-only audit trail of every alias move; versionAt() and rollback() read it. */
  const aliasEvents = k.table(
    'alias_events',
    {
      id: k.id('id'),
      modelName: k
        .text('model_name')
        .notNull()
        .references(() => registeredModels.name),
      alias: k.text('alias').notNull(),
      action: k.enumText('action', ALIAS_ACTIONS).notNull(),
      fromVersion: k.int('from_version'),
      /** null when the alias was deleted */
      toVersion: k.int('to_version'),
      actor: k.text('actor').notNull(),
      reason: k.text('reason').notNull(),
      forced: k.bool('forced').notNull().default(false),
      gates: k.json('gates').$type<GateResult[]>(),
      at: k.timestamp('at').notNull(),
    },
    (t) => [k.index('alias_events_lookup_idx').on(t.modelName, t.alias, t.at)],
  )

  return { experiments, runs, params, metrics, tags, artifacts, registeredModels, modelVersions, modelAliases, aliasEvents }
}

export type Tables = ReturnType<typeof defineTables>
