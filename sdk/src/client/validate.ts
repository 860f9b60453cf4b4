import { predictRequestSchema } from '../contracts/predict.ts'
import { type FieldIssue, type FlightInstance, fieldIssues } from '../features/schema.ts'

/** Input the Worker would refuse with 400; `issues` holds the first problem per field, the Worker reports the first. */
export class InvalidInputError extends Error {
  readonly code = 'invalid_request'
  constructor(readonly issues: readonly FieldIssue[]) {
    super(issues.map((i) => `${i.field}: ${i.message}`).join('; '))
    this.name = 'InvalidInputError'
  }
}

export function validateInstances(instances: unknown): FlightInstance[] {
  // the body the Worker's predict route validates, so field paths match its errors (`instances.0.origin`)
  const parsed = predictRequestSchema.safeParse({ instances })
  if (!parsed.success) throw new InvalidInputError(fieldIssues(parsed.error))
  return parsed.data.instances
}
