import type { AliasEvent, Artifact, Experiment, ModelVersion } from '../db/schema.ts'
import type { RunDetail, RunSummary } from '../tracking/queries.ts'

/** Row → response body mappers: dates become ISO strings and internal keys get their API names. */

const iso = (date: Date) => date.toISOString()

export const experimentJson = (e: Experiment) => ({ id: e.id, name: e.name, createdAt: iso(e.createdAt) })

export const runJson = (r: RunSummary) => ({
  id: r.id,
  experiment: r.experiment,
  name: r.name,
  parentRunId: r.parentRunId,
  status: r.status,
  startedAt: iso(r.startedAt),
  endedAt: r.endedAt && iso(r.endedAt),
  gitCommit: r.gitCommit,
  dataVersion: r.dataVersion,
  seed: r.seed,
  environment: r.environment,
  error: r.error,
})

const artifactJson = ({ path, sha256, size, uri }: Artifact) => ({ path, sha256, size, uri })

export const runDetailJson = (r: RunDetail) => ({
  ...runJson(r),
  params: r.params,
  metrics: r.metrics,
  tags: r.tags,
  artifacts: r.artifacts.map(artifactJson),
})

export const versionJson = (v: ModelVersion) => ({
  name: v.modelName,
  version: v.version,
  runId: v.runId,
  dataVersion: v.dataVersion,
  artifactUri: v.artifactUri,
  manifestSha256: v.manifestSha256,
  metrics: v.metrics,
  createdAt: iso(v.createdAt),
})

export const aliasEventJson = (e: AliasEvent) => ({
  id: e.id,
  name: e.modelName,
  alias: e.alias,
  action: e.action,
  fromVersion: e.fromVersion,
  toVersion: e.toVersion,
  actor: e.actor,
  reason: e.reason,
  forced: e.forced,
  gates: e.gates,
  at: iso(e.at),
})
