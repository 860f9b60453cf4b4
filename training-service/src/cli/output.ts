/** Writes a command's result: JSON for machines with --json, the human rendering otherwise. */
export function emit<T>(json: boolean, value: T, human: (v: T) => string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${human(value)}\n`)
}
