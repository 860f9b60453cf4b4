import { invalidArgument } from '../errors.ts'

// Model names are URL, file and manifest safe: the same rule as the SDK's manifest name.
const MODEL_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/
const ALIAS = /^[a-z][a-z0-9_-]{0,62}$/

export function checkModelName(name: string): string {
  if (!MODEL_NAME.test(name)) throw invalidArgument('name', `"${name}" must be 1-63 lower-case letters, digits and dashes`)
  return name
}

/** "latest" and "v<n>" would read as version selectors, so they cannot be aliases (as in MLflow). */
export function checkAlias(alias: string): string {
  if (!ALIAS.test(alias) || alias === 'latest' || /^v\d+$/.test(alias)) {
    throw invalidArgument(
      'alias',
      `"${alias}" must be lower-case letters, digits, _ or -, start with a letter, and not be "latest" or "v<n>"`,
    )
  }
  return alias
}

export function checkVersion(version: number): number {
  if (!Number.isSafeInteger(version) || version < 1) throw invalidArgument('version', `must be a positive integer, got ${version}`)
  return version
}

export function checkAttribution(actor: string, reason: string): void {
  if (actor.trim() === '') throw invalidArgument('actor', 'must not be empty')
  if (reason.trim() === '') throw invalidArgument('reason', 'must not be empty: the audit trail records why')
}
