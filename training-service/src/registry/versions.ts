import { and, asc, desc, eq, max } from 'drizzle-orm'
import type { Db } from '../db/open.ts'
import { type ModelVersion, modelAliases, modelVersions, type RegisteredModel, registeredModels } from '../db/schema.ts'
import { writeTransaction } from '../db/transaction.ts'
import { finalMetrics } from '../tracking/queries.ts'
import { requireRun } from '../tracking/runs.ts'
import { checkFinite } from '../tracking/validate.ts'
import { invalidArgument, TarmacError } from './errors.ts'
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

/** Registers the next version of a model (creating the model on first use). The number is taken under the write lock, so concurrent registrations never collide. */
export function registerModelVersion(db: Db, input: RegisterVersionInput): ModelVersion {
  const name = checkModelName(input.name)
  if (!/^[0-9a-f]{64}$/.test(input.manifestSha256)) throw invalidArgument('manifestSha256', 'must be a lower-case hex sha256')
  if (input.artifactUri.trim() === '') throw invalidArgument('artifactUri', 'must not be empty')
  for (const [key, value] of Object.entries(input.metrics ?? {})) checkFinite(`metric "${key}"`, value)
  return writeTransaction(db, (tx) => {
    const run = requireRun(tx, input.runId)
    const now = new Date()
    tx.insert(registeredModels)
      .values({ name, description: input.description ?? '', createdAt: now })
      .onConflictDoNothing()
      .run()
    const latest = tx
      .select({ version: max(modelVersions.version) })
      .from(modelVersions)
      .where(eq(modelVersions.modelName, name))
      .get()
    const version = (latest?.version ?? 0) + 1
    if (input.expectedVersion !== undefined && input.expectedVersion !== version) {
      throw new TarmacError('conflict', `version ${input.expectedVersion} of "${name}" is taken: the next version is ${version}`)
    }
    return tx
      .insert(modelVersions)
      .values({
        modelName: name,
        version,
        runId: run.id,
        dataVersion: input.dataVersion ?? run.dataVersion,
        artifactUri: input.artifactUri,
        manifestSha256: input.manifestSha256,
        metrics: input.metrics ?? finalMetrics(tx, [run.id]).get(run.id) ?? {},
        createdAt: now,
      })
      .returning()
      .get()
  })
}

export function listModels(db: Db): ModelSummary[] {
  const models = db.select().from(registeredModels).orderBy(asc(registeredModels.name)).all()
  const latest = db
    .select({ name: modelVersions.modelName, version: max(modelVersions.version) })
    .from(modelVersions)
    .groupBy(modelVersions.modelName)
    .all()
  const latestByName = new Map(latest.map((row) => [row.name, row.version]))
  const aliases = db.select().from(modelAliases).all()
  return models.map((model) => ({
    ...model,
    latestVersion: latestByName.get(model.name) ?? null,
    aliases: Object.fromEntries(aliases.filter((a) => a.modelName === model.name).map((a) => [a.alias, a.version])),
  }))
}

export function getModel(db: Db, name: string): ModelDetail {
  const model = requireModel(db, name)
  return {
    ...model,
    versions: db.select().from(modelVersions).where(eq(modelVersions.modelName, name)).orderBy(desc(modelVersions.version)).all(),
    aliases: aliasesOf(db, name),
  }
}

export function getVersion(db: Db, name: string, version: number): ModelVersion {
  checkVersion(version)
  requireModel(db, name)
  const row = db
    .select()
    .from(modelVersions)
    .where(and(eq(modelVersions.modelName, name), eq(modelVersions.version, version)))
    .get()
  if (!row) throw new TarmacError('not_found', `version ${version} of "${name}" does not exist`)
  return row
}

export function requireModel(db: Db, name: string): RegisteredModel {
  const model = db.select().from(registeredModels).where(eq(registeredModels.name, name)).get()
  if (!model) throw new TarmacError('not_found', `unknown model "${name}"`)
  return model
}

function aliasesOf(db: Db, name: string): Record<string, number> {
  const rows = db.select().from(modelAliases).where(eq(modelAliases.modelName, name)).orderBy(asc(modelAliases.alias)).all()
  return Object.fromEntries(rows.map((row) => [row.alias, row.version]))
}
