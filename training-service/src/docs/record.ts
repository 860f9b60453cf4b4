import { mkdir, rename, writeFile } from 'node:fs/promises'
import { availableParallelism, cpus, totalmem } from 'node:os'
import path from 'node:path'

/** The machine a figure was measured on: a time means nothing without it. */
export interface Machine {
  cpu: string
  cores: number
  memoryGiB: number
  node: string
}

export function thisMachine(): Machine {
  return {
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: availableParallelism(),
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  }
}

/** The command as typed, for the record the docs quote. */
export const commandLine = (): string => ['tarmac', ...process.argv.slice(2)].join(' ')

/** What a command writes for the docs generator: its data, the command line and where and how long it ran. */
export interface CommandRecord<T> {
  command: string
  measuredOn: Machine
  wallSeconds: number
  data: T
}

/** Writes a record as pretty JSON (committed under docs/data, diffs stay readable), atomically. */
export async function writeRecord<T>(file: string, command: string, startedAt: number, data: T): Promise<void> {
  const record: CommandRecord<T> = {
    command,
    measuredOn: thisMachine(),
    wallSeconds: Math.round((performance.now() - startedAt) / 100) / 10,
    data,
  }
  await mkdir(path.dirname(path.resolve(file)), { recursive: true })
  await writeFile(`${file}.tmp`, `${JSON.stringify(record, null, 2)}\n`)
  await rename(`${file}.tmp`, file)
}
