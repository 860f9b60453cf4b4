import { z } from 'zod'
import { type FieldIssue, type FlightInstance, fieldIssues, flightInstanceSchema } from '../features/schema.ts'

/** The body the Worker's predict route validates, so field paths match its errors (`instances.0.origin`). */
const predictRequest = z.object({ instances: z.array(flightInstanceSchema).min(1, 'at least one instance is required') })

/** Input the Worker would refuse with 400; `issues` holds the first problem per field, the Worker reports the first. */
export class InvalidInputError extends Error {
  readonly code = 'invalid_request'
  constructor(readonly issues: readonly FieldIssue[]) {
    super(issues.map((i) => `${i.field}: ${i.message}`).join('; '))
    this.name = 'InvalidInputError'
  }
}

export function validateInstances(instances: unknown): FlightInstance[] {
  const parsed = predictRequest.safeParse({ instances })
  if (!parsed.success) throw new InvalidInputError(fieldIssues(parsed.error))
  return parsed.data.instances
}
