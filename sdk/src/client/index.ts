export { hasWebGpuAdapter } from './backends.ts'
export { ModelIntegrityError } from './model-store.ts'
export { createPredictor, type Predictor } from './predictor.ts'
export type { TelemetryEvent } from './telemetry.ts'
export type {
  Backend,
  ModelInfo,
  OrtLoaders,
  OrtModule,
  Prediction,
  PredictorOptions,
  PredictResult,
  TelemetryOptions,
  Timings,
} from './types.ts'
export { InvalidInputError } from './validate.ts'
