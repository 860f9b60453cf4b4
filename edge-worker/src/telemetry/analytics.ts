import type { PredictionEvent } from './events.ts'

/**
 * Analytics Engine row per prediction: blobs are the dimensions to group by, doubles the measures,
 * the index (sampling key) the model so sampling keeps every model represented.
 */
export function predictionDataPoint(e: PredictionEvent): AnalyticsEngineDataPoint {
  return {
    indexes: [e.model],
    blobs: [e.model, String(e.version), e.role, e.source, e.engine, e.features.origin, e.features.destination],
    doubles: [e.probability, e.latencyMs, e.features.distance, e.features.departure_hour],
  }
}

export function writeDataPoints(dataset: AnalyticsEngineDataset | undefined, events: readonly PredictionEvent[]): void {
  // the binding is absent in some local setups; analytics must never fail a prediction
  if (!dataset) return
  for (const e of events) dataset.writeDataPoint(predictionDataPoint(e))
}
