/** A mistake in what the user gave us (file, flag, config): reported as one line, exit code 2, never a stack trace. */
export class UserInputError extends Error {
  override name = 'UserInputError'
}
