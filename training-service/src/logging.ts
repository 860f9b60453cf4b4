import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { Writable } from 'node:stream'
import pino, { type Level, type Logger } from 'pino'
import { UserInputError } from './errors.ts'

export type { Logger }

export const LOG_LEVELS: readonly Level[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal']

export interface LoggerOptions {
  /** the state folder: lines go to <home>/logs/tarmac.log */
  home: string
  /** stderr threshold: --log-level, else $TARMAC_LOG_LEVEL, else info */
  level?: string
  /** fields on every line, e.g. { cmd: 'predict', runId } */
  bindings?: Record<string, unknown>
  /** where the human lines go (tests pass their own) */
  stderr?: NodeJS.WritableStream
}

/** The level asked for, checked: a typo is the user's mistake, not a silent default. */
export function logLevel(option?: string): Level {
  const level = option ?? process.env.TARMAC_LOG_LEVEL ?? 'info'
  if (!LOG_LEVELS.includes(level as Level)) throw new UserInputError(`log level must be one of ${LOG_LEVELS.join(', ')}, got "${level}"`)
  return level as Level
}

const SKIPPED = new Set(['level', 'time', 'pid', 'hostname', 'msg'])

/** One short line per record for people: `warn  message key=value …` (the JSON file keeps everything). */
export function prettyLine(record: Record<string, unknown>): string {
  const label = pino.levels.labels[record.level as number] ?? String(record.level)
  const fields = Object.entries(record)
    .filter(([k]) => !SKIPPED.has(k))
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
  return `${label.padEnd(5)} ${record.msg ?? ''}${fields.length > 0 ? ` ${fields.join(' ')}` : ''}\n`
}

function prettyStream(out: NodeJS.WritableStream): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      out.write(prettyLine(JSON.parse(chunk.toString()) as Record<string, unknown>))
      done()
    },
  })
}

/**
 * A logger writing JSON lines to <home>/logs/tarmac.log (info and up, or lower when asked) and minimal
 * human lines to stderr at the chosen level. Writes are synchronous: a CLI that exits loses no line.
 */
export function createLogger(options: LoggerOptions): Logger {
  const level = logLevel(options.level)
  const fileLevel: Level = pino.levels.values[level] < pino.levels.values.info ? level : 'info'
  const dir = path.join(options.home, 'logs')
  mkdirSync(dir, { recursive: true })
  const file = pino.destination({ dest: path.join(dir, 'tarmac.log'), append: true, sync: true })
  const streams = pino.multistream([
    { level: fileLevel, stream: file },
    { level, stream: prettyStream(options.stderr ?? process.stderr) },
  ])
  return pino({ level: fileLevel, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime }, streams).child(
    options.bindings ?? {},
  )
}
