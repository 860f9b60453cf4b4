import type { FlightInstance } from '../features/schema.ts'
import type { ModelInfo, Prediction } from './types.ts'

interface EdgeSummary {
  version: number
  threshold: number
}

interface EdgePredictResponse {
  model: { name: string; version: number; alias: string }
  predictions: Prediction[]
}

export interface EdgeClient {
  /** what the Worker serves, for a predictor that has no model on the device */
  describe(): Promise<ModelInfo>
  predict(instances: FlightInstance[]): Promise<{ model: EdgePredictResponse['model']; predictions: Prediction[] }>
}

/** The Worker's public API: GET /v1/models/{name} and POST /v1/models/{name}/predict. */
export function createEdgeClient(endpoint: string, model: string, alias: string, headers: Record<string, string>): EdgeClient {
  const base = `${endpoint.replace(/\/+$/, '')}/v1/models/${encodeURIComponent(model)}`
  return {
    async describe() {
      const summary = await json<EdgeSummary>(await fetch(base, { headers }))
      return { name: model, version: summary.version, alias, threshold: summary.threshold }
    },
    async predict(instances) {
      const res = await fetch(`${base}/predict`, {
        method: 'POST',
        headers: { ...headers, 'Content-Type': 'application/json' },
        body: JSON.stringify({ instances }),
      })
      return json<EdgePredictResponse>(res)
    },
  }
}

async function json<T>(res: Response): Promise<T> {
  if (res.ok) return (await res.json()) as T
  const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null
  throw new Error(`edge ${res.url}: HTTP ${res.status}${body?.error?.message ? ` ${body.error.message}` : ''}`)
}
