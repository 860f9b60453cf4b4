import { index, integer, primaryKey, real, sqliteTable, text } from 'drizzle-orm/sqlite-core'

/**
 * One row per prediction event (served or shadow, edge or browser). The primary key is the event id,
 * so it doubles as the consumer's record of processed events: a redelivered event violates it and
 * rolls back the whole batch transaction before anything is counted twice.
 */
export const predictions = sqliteTable(
  'predictions',
  {
    eventId: text('event_id').primaryKey(),
    /** the id the client saw; a shadow prediction shares it with the served one */
    predictionId: text('prediction_id').notNull(),
    role: text('role', { enum: ['served', 'shadow'] }).notNull(),
    source: text('source', { enum: ['edge', 'browser'] }).notNull(),
    engine: text('engine').notNull(),
    model: text('model').notNull(),
    version: integer('version').notNull(),
    probability: real('probability').notNull(),
    /** hour bucket, ISO 'YYYY-MM-DDTHH' */
    hour: text('hour').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('predictions_prediction_id_idx').on(t.predictionId), index('predictions_model_hour_idx').on(t.model, t.version, t.hour)],
)

/** Outcome reported after the flight; joined to predictions by prediction id. */
export const feedback = sqliteTable('feedback', {
  predictionId: text('prediction_id').primaryKey(),
  delayed: integer('delayed', { mode: 'boolean' }).notNull(),
  /** arrival delay in minutes when the client knows it */
  delay: integer('delay'),
  createdAt: integer('created_at').notNull(),
})

/**
 * Mergeable profile counts per (model, version, hour) on the manifest reference profile's bins:
 * feature is a reference feature name, 'prediction', 'latency_ms' or 'rows' (bin 0 = row count).
 */
export const profileCounts = sqliteTable(
  'profile_counts',
  {
    model: text('model').notNull(),
    version: integer('version').notNull(),
    hour: text('hour').notNull(),
    feature: text('feature').notNull(),
    bin: integer('bin').notNull(),
    count: integer('count').notNull(),
  },
  (t) => [primaryKey({ columns: [t.model, t.version, t.hour, t.feature, t.bin] })],
)

/** Cron liveness until monitoring jobs run here. */
export const heartbeats = sqliteTable('heartbeats', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  cron: text('cron').notNull(),
  scheduledAt: integer('scheduled_at').notNull(),
  ranAt: integer('ran_at').notNull(),
})
