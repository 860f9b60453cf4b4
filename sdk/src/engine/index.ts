export { createOrtEngine, type OrtEngineOptions, type OrtRuntime } from './ort.ts'
export { EngineRegistry, NoEngineError } from './registry.ts'
export { createTsEngine } from './ts.ts'
export type { EngineCandidate, EngineFailure, EngineName, EngineResult, InferenceEngine } from './types.ts'
