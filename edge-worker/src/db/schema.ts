import { sql } from 'drizzle-orm'
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'

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
    /** truncated hash of the caller's key: feedback is accepted from that caller (or the admin) only */
    keyHash: text('key_hash').notNull().default(''),
    /** the R2 capture object holding this row's features; null when the sample left it out */
    capture: text('capture'),
  },
  (t) => [
    index('predictions_prediction_id_idx').on(t.predictionId),
    index('predictions_model_hour_idx').on(t.model, t.version, t.hour),
    // a data pull joins labels one capture object at a time
    index('predictions_capture_idx').on(t.capture),
  ],
)

/**
 * One failure event: rows a model version was asked to score and could not. Like predictions, the event id
 * primary key makes the consumer count a redelivered event once; the counts themselves go to profile_counts.
 */
export const failures = sqliteTable(
  'failures',
  {
    eventId: text('event_id').primaryKey(),
    role: text('role', { enum: ['served', 'shadow'] }).notNull(),
    model: text('model').notNull(),
    version: integer('version').notNull(),
    rows: integer('rows').notNull(),
    code: text('code').notNull(),
    /** hour bucket, ISO 'YYYY-MM-DDTHH' */
    hour: text('hour').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('failures_model_hour_idx').on(t.model, t.version, t.hour)],
)

/**
 * Outcome reported after the flight, once per prediction; joined to predictions by prediction id and key hash
 * (a label sent before its prediction left the queue joins only if the same caller made the prediction).
 */
export const feedback = sqliteTable('feedback', {
  predictionId: text('prediction_id').primaryKey(),
  delayed: integer('delayed', { mode: 'boolean' }).notNull(),
  /** arrival delay in minutes when the client knows it */
  delay: integer('delay'),
  createdAt: integer('created_at').notNull(),
  /** truncated hash of the reporting caller's key; ADMIN_LABEL for an admin correction */
  keyHash: text('key_hash').notNull().default(''),
})

/** Every admin correction of a stored label: what it was, what it became, when. */
export const feedbackAudit = sqliteTable('feedback_audit', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  predictionId: text('prediction_id').notNull(),
  previousDelayed: integer('previous_delayed', { mode: 'boolean' }),
  previousDelay: integer('previous_delay'),
  delayed: integer('delayed', { mode: 'boolean' }).notNull(),
  delay: integer('delay'),
  /** the X-Tarmac-Correction header: why the admin changed it */
  reason: text('reason').notNull(),
  at: integer('at').notNull(),
})

/**
 * Mergeable profile counts per (model, version, hour) on the manifest reference profile's bins:
 * feature is a reference feature name, 'prediction', 'latency_ms', 'rows' (bin 0 = rows scored) or 'errors'
 * (bin 0 = rows that failed).
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

/** Drift of one version over one window of prediction hours; re-running the window replaces the row. */
export const driftReports = sqliteTable(
  'drift_reports',
  {
    model: text('model').notNull(),
    version: integer('version').notNull(),
    /** epoch ms, whole hours: [windowStart, windowEnd) of prediction hour buckets */
    windowStart: integer('window_start').notNull(),
    windowEnd: integer('window_end').notNull(),
    /** the SDK's DriftReport (driftReportSchema) */
    report: text('report', { mode: 'json' }).notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.model, t.version, t.windowStart, t.windowEnd] })],
)

/** Realized (labelled) and estimated (CBPE) performance plus serving health of one version over one window. */
export const performance = sqliteTable(
  'performance',
  {
    model: text('model').notNull(),
    version: integer('version').notNull(),
    windowStart: integer('window_start').notNull(),
    windowEnd: integer('window_end').notNull(),
    count: integer('count').notNull(),
    labels: integer('labels').notNull(),
    realizedAuc: real('realized_auc'),
    logLoss: real('log_loss'),
    ece: real('ece'),
    estimatedAuc: real('estimated_auc'),
    estimatedAccuracy: real('estimated_accuracy'),
    latencyP50: real('latency_p50'),
    latencyP99: real('latency_p99'),
    /** null: the edge does not record failed predictions yet */
    errorRate: real('error_rate'),
    /** manifest.metrics.val_auc, the realized AUC's baseline */
    baselineAuc: real('baseline_auc'),
    /** calibration bins of the labelled predictions */
    calibration: text('calibration', { mode: 'json' }),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.model, t.version, t.windowStart, t.windowEnd] })],
)

/** One row per (model, version, rule) episode: updated while firing, closed when the condition clears. */
export const alerts = sqliteTable(
  'alerts',
  {
    id: text('id').primaryKey(),
    model: text('model').notNull(),
    version: integer('version').notNull(),
    rule: text('rule').notNull(),
    status: text('status', { enum: ['firing', 'resolved'] }).notNull(),
    firstFired: integer('first_fired').notNull(),
    lastSeen: integer('last_seen').notNull(),
    resolvedAt: integer('resolved_at'),
    detail: text('detail', { mode: 'json' }).notNull(),
    /** webhook delivery of the last change: null until attempted or when no webhook is configured */
    notifiedAt: integer('notified_at'),
    notifyError: text('notify_error'),
  },
  (t) => [
    // at most one open episode per rule: a concurrent evaluation cannot fire a duplicate
    uniqueIndex('alerts_firing_idx').on(t.model, t.version, t.rule).where(sql`${t.status} = 'firing'`),
    index('alerts_status_idx').on(t.status, t.lastSeen),
  ],
)

/**
 * One row per departure event a stream scored, written with its result before delivery: a redelivered or
 * retried event is found here and never scored again, and one whose delivery failed is resent from `result`.
 */
export const streamEvents = sqliteTable(
  'stream_events',
  {
    stream: text('stream').notNull(),
    eventId: text('event_id').notNull(),
    /** the StreamResult as JSON */
    result: text('result').notNull(),
    createdAt: integer('created_at').notNull(),
    /** when every configured sink accepted it; null until then */
    deliveredAt: integer('delivered_at'),
  },
  (t) => [primaryKey({ columns: [t.stream, t.eventId] })],
)
