import type { FlightInstance } from '@tarmac/sdk/features'
import { MODEL_NAME } from './fixture-model.ts'
import type { FlightInput } from './page.ts'

export function toInstance(flight: FlightInput): FlightInstance {
  return {
    origin: flight.origin,
    destination: flight.destination,
    departedAt: `${flight.departedAt}:00`,
    distance: Number(flight.distance),
  }
}

export interface EdgeAnswer {
  status: number
  body: {
    model?: { version: number }
    predictions?: { probability: number; delayed: boolean }[]
    error?: { code: string; message: string; field?: string }
  }
}

/** The Worker's own answer for the same request the page makes. */
export async function edgePredict(workerUrl: string, instances: unknown[]): Promise<EdgeAnswer> {
  const res = await fetch(`${workerUrl}/v1/models/${MODEL_NAME}/predict`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ instances }),
  })
  return { status: res.status, body: (await res.json()) as EdgeAnswer['body'] }
}
