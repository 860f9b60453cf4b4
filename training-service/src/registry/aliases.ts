import { and, asc, desc, eq, lte } from 'drizzle-orm'
import type { Db } from '../db/open.ts'
import { type AliasAction, type AliasEvent, aliasEvents, type GateResult, type ModelVersion, modelAliases } from '../db/schema.ts'
import { writeTransaction } from '../db/transaction.ts'
import { TarmacError } from './errors.ts'
import { checkAlias, checkAttribution, checkVersion } from './names.ts'
import { getVersion, requireModel } from './versions.ts'

export type AliasChange = { actor: string; reason: string; forced?: boolean; gates?: GateResult[] }

export function getAlias(db: Db, name: string, alias: string): ModelVersion {
  const version = currentVersion(db, name, alias)
  if (version === null) throw new TarmacError('not_found', `model "${name}" has no alias "${alias}"`)
  return getVersion(db, name, version)
}

/** Points an alias at a version without gates (promote() is the gated path) and records why. */
export function setAlias(db: Db, name: string, alias: string, version: number, change: AliasChange): AliasEvent {
  checkAlias(alias)
  checkVersion(version)
  checkAttribution(change.actor, change.reason)
  return writeTransaction(db, (tx) => moveAlias(tx, { name, alias, action: 'set', toVersion: version, ...change }))
}

export function deleteAlias(db: Db, name: string, alias: string, change: Pick<AliasChange, 'actor' | 'reason'>): AliasEvent {
  checkAttribution(change.actor, change.reason)
  return writeTransaction(db, (tx) => {
    if (currentVersion(tx, name, alias) === null) throw new TarmacError('not_found', `model "${name}" has no alias "${alias}"`)
    return moveAlias(tx, { name, alias, action: 'delete', toVersion: null, ...change })
  })
}

/**
 * Moves the alias back to the version it held before its current one. Rollbacks unwind the
 * history like a stack, so rolling back twice goes two promotions back rather than toggling.
 */
export function rollback(db: Db, name: string, alias: string, change: Pick<AliasChange, 'actor' | 'reason'>): AliasEvent {
  checkAttribution(change.actor, change.reason)
  return writeTransaction(db, (tx) => {
    if (currentVersion(tx, name, alias) === null) throw new TarmacError('not_found', `model "${name}" has no alias "${alias}"`)
    const holders: (number | null)[] = []
    for (const event of tx.select().from(aliasEvents).where(eventsOf(name, alias)).orderBy(asc(aliasEvents.id)).all()) {
      if (event.action === 'set') holders.push(event.toVersion)
      else if (event.action === 'rollback') holders.pop()
      else holders.length = 0
    }
    const previous = holders.at(-2)
    if (previous === undefined || previous === null) {
      throw new TarmacError('conflict', `alias "${alias}" of "${name}" has no earlier version to roll back to`)
    }
    return moveAlias(tx, { name, alias, action: 'rollback', toVersion: previous, ...change })
  })
}

/** Newest first; all aliases of the model when `alias` is omitted. */
export function aliasHistory(db: Db, name: string, alias?: string): AliasEvent[] {
  requireModel(db, name)
  const where = alias === undefined ? eq(aliasEvents.modelName, name) : eventsOf(name, alias)
  return db.select().from(aliasEvents).where(where).orderBy(desc(aliasEvents.at), desc(aliasEvents.id)).all()
}

/** The version the alias pointed at, at time `at` (null if it was unset then). */
export function versionAt(db: Db, name: string, alias: string, at: Date): number | null {
  requireModel(db, name)
  const event = db
    .select({ toVersion: aliasEvents.toVersion })
    .from(aliasEvents)
    .where(and(eventsOf(name, alias), lte(aliasEvents.at, at)))
    .orderBy(desc(aliasEvents.at), desc(aliasEvents.id))
    .limit(1)
    .get()
  return event?.toVersion ?? null
}

export function currentVersion(db: Db, name: string, alias: string): number | null {
  requireModel(db, name)
  const row = db
    .select({ version: modelAliases.version })
    .from(modelAliases)
    .where(and(eq(modelAliases.modelName, name), eq(modelAliases.alias, alias)))
    .get()
  return row?.version ?? null
}

type AliasMove = AliasChange & { name: string; alias: string; action: AliasAction; toVersion: number | null }

/** Writes the alias row and its audit event together; callers hold the write transaction. */
export function moveAlias(tx: Db, move: AliasMove): AliasEvent {
  const { name, alias, toVersion } = move
  const fromVersion = currentVersion(tx, name, alias)
  const at = new Date()
  if (toVersion === null) {
    tx.delete(modelAliases)
      .where(and(eq(modelAliases.modelName, name), eq(modelAliases.alias, alias)))
      .run()
  } else {
    getVersion(tx, name, toVersion)
    if (fromVersion === toVersion) throw new TarmacError('conflict', `alias "${alias}" of "${name}" already points at version ${toVersion}`)
    tx.insert(modelAliases)
      .values({ modelName: name, alias, version: toVersion, updatedAt: at })
      .onConflictDoUpdate({ target: [modelAliases.modelName, modelAliases.alias], set: { version: toVersion, updatedAt: at } })
      .run()
  }
  return tx
    .insert(aliasEvents)
    .values({
      modelName: name,
      alias,
      action: move.action,
      fromVersion,
      toVersion,
      actor: move.actor,
      reason: move.reason,
      forced: move.forced ?? false,
      gates: move.gates ?? null,
      at,
    })
    .returning()
    .get()
}

const eventsOf = (name: string, alias: string) => and(eq(aliasEvents.modelName, name), eq(aliasEvents.alias, alias))
