import { WorkerError, WorkerUnreachableError } from '@tarmac/sdk/client/worker'

/** A mistake in what the user gave us (file, flag, config): reported as one line, exit code 2, never a stack trace. */
export class UserInputError extends Error {
  override name = 'UserInputError'
}

/** Error codes the CLI maps to exit codes and the HTTP API maps to statuses. */
/** `unavailable`: the metadata store cannot be reached (bad URL target, server down). */
export type TarmacErrorCode = 'not_found' | 'invalid_argument' | 'gate_failed' | 'conflict' | 'unavailable'

export class TarmacError extends Error {
  override readonly name = 'TarmacError'

  constructor(
    readonly code: TarmacErrorCode,
    message: string,
    /** the offending input, for invalid_argument */
    readonly field?: string,
    /** structured context, e.g. the gate results of a refused promotion */
    readonly details?: unknown,
  ) {
    super(message)
  }
}

export const invalidArgument = (field: string, message: string) => new TarmacError('invalid_argument', `${field}: ${message}`, field)

/** The Worker refused a call or could not be reached: the user's to fix (URL, key, a Worker that is down), in one line. */
export function userFacing(error: unknown): unknown {
  return error instanceof WorkerError || error instanceof WorkerUnreachableError ? new UserInputError(error.message) : error
}
