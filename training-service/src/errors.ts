import { WorkerError, WorkerUnreachableError } from '@tarmac/sdk/client/worker'

/** A mistake in what the user gave us (file, flag, config): reported as one line, exit code 2, never a stack trace. */
export class UserInputError extends Error {
  override name = 'UserInputError'
}

/** The Worker refused a call or could not be reached: the user's to fix (URL, key, a Worker that is down), in one line. */
export function userFacing(error: unknown): unknown {
  return error instanceof WorkerError || error instanceof WorkerUnreachableError ? new UserInputError(error.message) : error
}
