import { and, asc, desc, eq, lte } from 'drizzle-orm'
import type { Db } from '../db/open.ts'
import type { AliasAction, AliasEvent, GateResult, ModelVersion } from '../db/schema.ts'
import { lockModel, writeTransaction } from '../db/transaction.ts'
import { TarmacError } from '../errors.ts'
import { checkAlias, checkAttribution, checkVersion } from './names.ts'
import { getVersion, requireModel } from './versions.ts'

export type AliasChange = { actor: string; reason: string; forced?: boolean; gates?: GateResult[] }

export async function getAlias(db: Db, name: string, alias: string): Promise<ModelVersion> {
  const version = await currentVersion(db, name, alias)
  if (version === null) throw new TarmacError('not_found', `model "${name}" has no alias "${alias}"`)
  return getVersion(db, name, version)
}

/** Points an alias at a version without gates (promote() is the gated path) and records why. */
export async function setAlias(db: Db, name: string, alias: string, version: number, change: AliasChange): Promise<AliasEvent> {
  checkAlias(alias)
  checkVersion(version)
  checkAttribution(change.actor, change.reason)
  return writeTransaction(db, async (tx) => {
    await lockModel(tx, name)
    return moveAlias(tx, { name, alias, action: 'set', toVersion: version, ...change })
  })
}

export async function deleteAlias(db: Db, name: string, alias: string, change: Pick<AliasChange, 'actor' | 'reason'>): Promise<AliasEvent> {
  checkAttribution(change.actor, change.reason)
  return writeTransaction(db, async (tx) => {
    await lockModel(tx, name)
    if ((await currentVersion(tx, name, alias)) === null) throw new TarmacError('not_found', `model "${name}" has no alias "${alias}"`)
    return moveAlias(tx, { name, alias, action: 'delete', toVersion: null, ...change })
  })
}

/**
 * Moves the alias back to the version it held before its current one. Rollbacks unwind the
 * history like a stack, so rolling back twice goes two promotions back rather than toggling.
 */
export async function rollback(db: Db, name: string, alias: string, change: Pick<AliasChange, 'actor' | 'reason'>): Promise<AliasEvent> {
  checkAttribution(change.actor, change.reason)
  return writeTransaction(db, async (tx) => {
    const { aliasEvents } = tx.t
    await lockModel(tx, name)
    if ((await currentVersion(tx, name, alias)) === null) throw new TarmacError('not_found', `model "${name}" has no alias "${alias}"`)
    const holders: (number | null)[] = []
    for (const event of await tx
      .select()
      .from(aliasEvents)
      .where(eventsOf(tx, name, alias))
      .orderBy(asc(aliasEvents.id))) {
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
export async function aliasHistory(db: Db, name: string, alias?: string): Promise<AliasEvent[]> {
  const { aliasEvents } = db.t
  await requireModel(db, name)
  const where = alias === undefined ? eq(aliasEvents.modelName, name) : eventsOf(db, name, alias)
  return db.select().from(aliasEvents).where(where).orderBy(desc(aliasEvents.at), desc(aliasEvents.id))
}

/** The version the alias pointed at, at time `at` (null if it was unset then). */
export async function versionAt(db: Db, name: string, alias: string, at: Date): Promise<number | null> {
  const { aliasEvents } = db.t
  await requireModel(db, name)
  const [event] = await db
    .select({ toVersion: aliasEvents.toVersion })
    .from(aliasEvents)
    .where(and(eventsOf(db, name, alias), lte(aliasEvents.at, at)))
    .orderBy(desc(aliasEvents.at), desc(aliasEvents.id))
    .limit(1)
  return event?.toVersion ?? null
}

export async function currentVersion(db: Db, name: string, alias: string): Promise<number | null> {
  const { modelAliases } = db.t
  await requireModel(db, name)
  const [row] = await db
    .select({ version: modelAliases.version })
    .from(modelAliases)
    .where(and(eq(modelAliases.modelName, name), eq(modelAliases.alias, alias)))
    .limit(1)
  return row?.version ?? null
}

type AliasMove = AliasChange & { name: string; alias: string; action: AliasAction; toVersion: number | null }

/** Writes the alias row and its audit event together; callers hold the write transaction (and, on Postgres, the model's row lock). */
export async function moveAlias(tx: Db, move: AliasMove): Promise<AliasEvent> {
  const { modelAliases, aliasEvents } = tx.t
  const { name, alias, toVersion } = move
  const fromVersion = await currentVersion(tx, name, alias)
  const at = new Date()
  if (toVersion === null) {
    await tx.delete(modelAliases).where(and(eq(modelAliases.modelName, name), eq(modelAliases.alias, alias)))
  } else {
    await getVersion(tx, name, toVersion)
    if (fromVersion === toVersion) throw new TarmacError('conflict', `alias "${alias}" of "${name}" already points at version ${toVersion}`)
    await tx
      .insert(modelAliases)
      .values({ modelName: name, alias, version: toVersion, updatedAt: at })
      .onConflictDoUpdate({ target: [modelAliases.modelName, modelAliases.alias], set: { version: toVersion, updatedAt: at } })
  }
  const [event] = await tx
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
  return event
}

const eventsOf = (db: Db, name: string, alias: string) => and(eq(db.t.aliasEvents.modelName, name), eq(db.t.aliasEvents.alias, alias))
