/** Alert state in D1: applies rule outcomes as changes to the open alerts, records webhook deliveries. */
import { and, asc, eq, isNotNull } from 'drizzle-orm'
import type { BatchItem } from 'drizzle-orm/batch'
import type { database } from '../db/client.ts'
import { alerts } from '../db/schema.ts'
import { type Alert, type AlertChange, type Rule, type RuleOutcome, transition } from './rules.ts'
import type { Delivery } from './webhook.ts'

type Db = ReturnType<typeof database>
export type AlertRow = typeof alerts.$inferSelect

export function toAlert(row: AlertRow): Alert {
  return {
    id: row.id,
    model: row.model,
    version: row.version,
    rule: row.rule as Rule,
    status: row.status,
    firstFired: row.firstFired,
    lastSeen: row.lastSeen,
    resolvedAt: row.resolvedAt,
    detail: row.detail as Record<string, unknown>,
  }
}

export async function applyOutcomes(
  db: Db,
  key: { model: string; version: number },
  outcomes: readonly RuleOutcome[],
  now: number,
): Promise<AlertChange[]> {
  const open = await db
    .select()
    .from(alerts)
    .where(and(eq(alerts.model, key.model), eq(alerts.version, key.version), eq(alerts.status, 'firing')))
  const byRule = new Map(open.map((row) => [row.rule, toAlert(row)]))
  const changes = outcomes
    .map((o) => transition(byRule.get(o.rule), o, key, now, () => crypto.randomUUID()))
    .filter((c): c is AlertChange => c !== null)
  if (changes.length === 0) return []
  const statements = changes.map((c): BatchItem<'sqlite'> => {
    const a = c.alert
    if (c.kind === 'fired') {
      // a concurrent evaluation may have opened it first (partial unique index): then this one is not new
      return db.insert(alerts).values(a).onConflictDoNothing().returning({ id: alerts.id })
    }
    return db
      .update(alerts)
      .set({ status: a.status, lastSeen: a.lastSeen, resolvedAt: a.resolvedAt, detail: a.detail })
      .where(and(eq(alerts.id, a.id), eq(alerts.status, 'firing')))
      .returning({ id: alerts.id })
  })
  const results = (await db.batch(statements as [BatchItem<'sqlite'>, ...BatchItem<'sqlite'>[]])) as { id: string }[][]
  return changes.filter((_, i) => results[i].length > 0)
}

/** Alerts whose last webhook delivery failed, the longest-waiting first. */
export function owedDeliveries(db: Db, limit: number): Promise<AlertRow[]> {
  return db.select().from(alerts).where(isNotNull(alerts.notifyError)).orderBy(asc(alerts.lastSeen), asc(alerts.id)).limit(limit)
}

export async function recordDelivery(db: Db, id: string, delivery: Delivery, now: number): Promise<void> {
  await db
    .update(alerts)
    .set(delivery.ok ? { notifiedAt: now, notifyError: null } : { notifyError: `${delivery.error} after ${delivery.attempts} attempts` })
    .where(eq(alerts.id, id))
}
