import type { Command } from 'commander'
import { UserInputError } from '../errors.ts'
import { type Home, openHome } from '../home.ts'
import { emit } from './output.ts'

// The shape shared by the commands over the state folder: the same two options, the same open/print/close.

export type CommonFlags = { home?: string; json?: boolean }

/** A subcommand taking the options every command over the state folder takes. */
export function stateCommand(parent: Command, nameAndArgs: string, description: string): Command {
  return parent
    .command(nameAndArgs)
    .description(description)
    .option('--home <dir>', 'state folder (default: $TARMAC_HOME or ./.tarmac)')
    .option('--json', 'print machine-readable JSON')
}

/**
 * Turns a command body into a commander action: opens the state folder, passes the body its arguments,
 * prints what it returns (JSON, or through `human`) and closes the database even when the body throws.
 */
export function inHome<A extends unknown[], F extends CommonFlags, T>(
  body: (home: Home, flags: F, ...args: A) => Promise<T>,
  human: (value: T) => string,
): (...params: unknown[]) => Promise<void> {
  return async (...params) => {
    // commander calls an action with (...arguments, flags, command)
    const flags = params.at(-2) as F
    const home = await openHome(flags.home)
    try {
      emit(Boolean(flags.json), await body(home, flags, ...(params.slice(0, -2) as A)), human)
    } finally {
      await home.close()
    }
  }
}

/**
 * Commander parsers for numeric flags and arguments. They throw UserInputError rather than commander's
 * own error so a bad value reads like every other input mistake: one line, exit 2.
 */
export function positiveInt(label: string): (value: string) => number {
  return (value) => {
    const n = Number(value)
    if (!Number.isSafeInteger(n) || n < 1) throw new UserInputError(`${label} must be a positive whole number, got "${value}"`)
    return n
  }
}

export function nonNegative(label: string): (value: string) => number {
  return (value) => {
    const n = Number(value)
    if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new UserInputError(`${label} must be a number >= 0, got "${value}"`)
    return n
  }
}

/** A Worker's base URL from a flag, without a trailing slash so routes append cleanly. */
export function workerUrl(flag: string, text: string): string {
  try {
    return new URL(text).toString().replace(/\/$/, '')
  } catch {
    throw new UserInputError(`${flag} must be the Worker's base URL, got "${text}"`)
  }
}
