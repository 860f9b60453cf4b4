import type { FlightInstance } from '../features/schema.ts'
import type { ModelInfo, Prediction } from './types.ts'
import type { WorkerClient } from './worker.ts'

export interface EdgeClient {
  /** what the Worker serves, for a predictor that has no model on the device */
  describe(): Promise<ModelInfo>
  predict(instances: FlightInstance[]): Promise<{ model: { name: string; version: number; alias: string }; predictions: Prediction[] }>
}

/** The Worker's public API as the predictor's edge backend: GET /v1/models/{name} and POST …/predict. */
export function createEdgeClient(worker: WorkerClient, model: string, alias: string): EdgeClient {
  return {
    async describe() {
      const status = await worker.modelStatus(model)
      return { name: model, version: status.version, alias, threshold: status.threshold }
    },
    predict: (instances) => worker.predict(model, instances),
  }
}
