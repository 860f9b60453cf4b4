import { and, asc, desc, eq, max } from 'drizzle-orm'
import type { Db } from '../db/open.ts'
import type { ModelVersion, RegisteredModel } from '../db/schema.ts'
import { lockModel, writeTransaction } from '../db/transaction.ts'
import { invalidArgument, TarmacError } from '../errors.ts'
import { finalMetrics } from '../tracking/queries.ts'
import { requireRun } from '../tracking/runs.ts'
import { checkFinite } from '../tracking/validate.ts'
import { checkModelName, checkVersion } from './names.ts'

export type RegisterVersionInput = {
  name: string
  runId: string
  artifactUri: string
  manifestSha256: string
  /** used only when this call creates the registered model */
  description?: string
  /** defaults to the run's data version */
  dataVersion?: string
  /** defaults to a snapshot of the run's final metrics */
  metrics?: Record<string, number>
  /** the number the caller already wrote into the manifest: a conflict (and nothing written) if another registration took it */
  expectedVersion?: number
}

export type ModelSummary = RegisteredModel & { latestVersion: number | null; aliases: Record<string, number> }
export type ModelDetail = RegisteredModel & { versions: ModelVersion[]; aliases: Record<string, number> }

/**
 * Registers the next version of a model (creating the model on first use). The number is taken while
 * holding the model (SQLite's write lock, Postgres's row lock), so concurrent registrations never collide.
 */
export async function registerModelVersion(db: Db, input: RegisterVersionInput): Promise<ModelVersion> {
  const name = checkModelName(input.name)
  if (!/^[0-9a-f]{64}$/.test(input.manifestSha256)) throw invalidArgument('manifestSha256', 'must be a lower-case hex sha256')
  if (input.artifactUri.trim() === '') throw invalidArgument('artifactUri', 'must not be empty')
  for (const [key, value] of Object.entries(input.metrics ?? {})) checkFinite(`metric "${key}"`, value)
  return writeTransaction(db, async (tx) => {
    const { registeredModels, modelVersions } = tx.t
    const run = await requireRun(tx, input.runId)
    const now = new Date()
    await tx
      .insert(registeredModels)
      .values({ name, description: input.description ?? '', createdAt: now })
      .onConflictDoNothing()
    await lockModel(tx, name)
    const [latest] = await tx
      .select({ version: max(modelVersions.version) })
      .from(modelVersions)
      .where(eq(modelVersions.modelName, name))
    const version = (latest?.version ?? 0) + 1
    if (input.expectedVersion !== undefined && input.expectedVersion !== version) {
      throw new TarmacError('conflict', `version ${input.expectedVersion} of "${name}" is taken: the next version is ${version}`)
    }
    const [registered] = await tx
      .insert(modelVersions)
      .values({
        modelName: name,
        version,
        runId: run.id,
        dataVersion: input.dataVersion ?? run.dataVersion,
        artifactUri: input.artifactUri,
        manifestSha256: input.manifestSha256,
        metrics: input.metrics ?? (await finalMetrics(tx, [run.id])).get(run.id) ?? {},
        createdAt: now,
      })
      .returning()
    return registered
  })
}

export async function listModels(db: Db): Promise<ModelSummary[]> {
  const { registeredModels, modelVersions, modelAliases } = db.t
  const models = await db.select().from(registeredModels).orderBy(asc(registeredModels.name))
  const latest = await db
    .select({ name: modelVersions.modelName, version: max(modelVersions.version) })
    .from(modelVersions)
    .groupBy(modelVersions.modelName)
  const latestByName = new Map(latest.map((row) => [row.name, row.version]))
  const aliases = await db.select().from(modelAliases).orderBy(asc(modelAliases.alias))
  return models.map((model) => ({
    ...model,
    latestVersion: latestByName.get(model.name) ?? null,
    aliases: Object.fromEntries(aliases.filter((a) => a.modelName === model.name).map((a) => [a.alias, a.version])),
  }))
}

export async function getModel(db: Db, name: string): Promise<ModelDetail> {
  const { modelVersions } = db.t
  const model = await requireModel(db, name)
  return {
    ...model,
    versions: await db.select().from(modelVersions).where(eq(modelVersions.modelName, name)).orderBy(desc(modelVersions.version)),
    aliases: await aliasesOf(db, name),
  }
}

export async function getVersion(db: Db, name: string, version: number): Promise<ModelVersion> {
  const { modelVersions } = db.t
  checkVersion(version)
  await requireModel(db, name)
  const [row] = await db
    .select()
    .from(modelVersions)
    .where(and(eq(modelVersions.modelName, name), eq(modelVersions.version, version)))
    .limit(1)
  if (!row) throw new TarmacError('not_found', `version ${version} of "${name}" does not exist`)
  return row
}

export async function requireModel(db: Db, name: string): Promise<RegisteredModel> {
  const { registeredModels } = db.t
  const [model] = await db.select().from(registeredModels).where(eq(registeredModels.name, name)).limit(1)
  if (!model) throw new TarmacError('not_found', `unknown model "${name}"`)
  return model
}

async function aliasesOf(db: Db, name: string): Promise<Record<string, number>> {
  const { modelAliases } = db.t
  const rows = await db.select().from(modelAliases).where(eq(modelAliases.modelName, name)).orderBy(asc(modelAliases.alias))
  return Object.fromEntries(rows.map((row) => [row.alias, row.version]))
}
