import { z } from '@hono/zod-openapi'
import { apiErrorSchema } from '@tarmac/sdk/contracts/errors'
import { ALIAS_ACTIONS, RUN_STATUSES } from '../db/schema.ts'

/** Request and response shapes of the HTTP API; timestamps travel as ISO 8601 strings. */

const isoDate = z.string().openapi({ format: 'date-time', example: '2025-01-01T00:00:00.000Z' })
const numbers = z.record(z.string(), z.number())
const strings = z.record(z.string(), z.string())

/**
 * The one error contract of Tarmac's HTTP APIs, shared with the edge Worker. Named with zod's own `.meta`, which
 * every schema has: `.openapi` exists only on schemas built after @hono/zod-openapi loaded, and the sdk's may not be.
 */
export const ErrorSchema = apiErrorSchema.meta({ id: 'Error' })

export const ExperimentSchema = z.object({ id: z.number().int(), name: z.string(), createdAt: isoDate }).openapi('Experiment')

export const RunSchema = z
  .object({
    id: z.string(),
    experiment: z.string(),
    name: z.string(),
    parentRunId: z.string().nullable(),
    status: z.enum(RUN_STATUSES),
    startedAt: isoDate,
    endedAt: isoDate.nullable(),
    gitCommit: z.string().nullable(),
    dataVersion: z.string().nullable(),
    seed: z.number().int().nullable(),
    environment: strings.nullable(),
    error: z.string().nullable(),
  })
  .openapi('Run')

export const ArtifactSchema = z
  .object({ path: z.string(), sha256: z.string(), size: z.number().int(), uri: z.string() })
  .openapi('Artifact')

export const RunDetailSchema = RunSchema.extend({
  params: strings,
  metrics: numbers.openapi({ description: 'final value of each metric (its highest step)' }),
  tags: strings,
  artifacts: z.array(ArtifactSchema),
}).openapi('RunDetail')

export const MetricHistorySchema = z
  .object({
    runId: z.string(),
    key: z.string(),
    history: z.array(z.object({ step: z.number().int(), value: z.number(), timestamp: isoDate })),
  })
  .openapi('MetricHistory')

export const ModelVersionSchema = z
  .object({
    name: z.string(),
    version: z.number().int(),
    runId: z.string(),
    dataVersion: z.string().nullable(),
    artifactUri: z.string(),
    manifestSha256: z.string(),
    metrics: numbers,
    createdAt: isoDate,
  })
  .openapi('ModelVersion')

const aliasMap = z.record(z.string(), z.number().int()).openapi({ description: 'alias → version' })

export const ModelSummarySchema = z
  .object({ name: z.string(), description: z.string(), createdAt: isoDate, latestVersion: z.number().int().nullable(), aliases: aliasMap })
  .openapi('ModelSummary')

export const ModelDetailSchema = z
  .object({ name: z.string(), description: z.string(), createdAt: isoDate, aliases: aliasMap, versions: z.array(ModelVersionSchema) })
  .openapi('ModelDetail')

export const GateResultSchema = z.object({ gate: z.string(), passed: z.boolean(), detail: z.string() }).openapi('GateResult')

export const AliasEventSchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    alias: z.string(),
    action: z.enum(ALIAS_ACTIONS),
    fromVersion: z.number().int().nullable(),
    toVersion: z.number().int().nullable(),
    actor: z.string(),
    reason: z.string(),
    forced: z.boolean(),
    gates: z.array(GateResultSchema).nullable(),
    at: isoDate,
  })
  .openapi('AliasEvent')

export const SetAliasBodySchema = z
  .object({
    version: z.number().int().positive(),
    reason: z.string().trim().min(1),
    force: z.boolean().optional().openapi({ description: 'take the alias even if promotion gates fail (recorded as forced)' }),
  })
  .openapi('SetAliasBody')

export const RollbackBodySchema = z.object({ reason: z.string().trim().min(1) }).openapi('RollbackBody')

export const RunsQuerySchema = z.object({
  experiment: z.string().optional(),
  status: z.enum(RUN_STATUSES).optional(),
  parent: z.string().optional().openapi({ description: 'a sweep run id for its trials, or "none" for top-level runs' }),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
})

export const param = (name: string, example: string) =>
  z
    .string()
    .min(1)
    .openapi({ param: { name, in: 'path' }, example })

/** A JSON response entry for createRoute's `responses`. */
export const json = <T extends z.ZodType>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description })
