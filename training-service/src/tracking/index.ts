export { type ArtifactStore, blobKey, LocalArtifactStore, putBlob, type StoredBlob } from './artifact-store.ts'
export { createExperiment, getExperiment, getOrCreateExperiment, listExperiments } from './experiments.ts'
export { logArtifact, logMetric, logMetrics, logParams, type MetricOptions, type ParamValue, setTag } from './logging.ts'
export {
  compareRuns,
  finalMetrics,
  getRun,
  listRuns,
  type MetricPoint,
  metricHistory,
  type RunComparison,
  type RunDetail,
  type RunFilter,
  type RunSummary,
} from './queries.ts'
export { type FinalStatus, failAbandonedRuns, finishRun, processAlive, type StartRunInput, startRun } from './runs.ts'
