import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { PassThrough } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { createLogger, logLevel } from './logging.ts'

function capture() {
  const stream = new PassThrough()
  let text = ''
  stream.on('data', (c) => {
    text += c
  })
  return { stream, text: () => text }
}

describe('training-service logger', () => {
  it('writes JSON lines with level, time and bindings to <home>/logs/tarmac.log and short lines to stderr at the chosen level', () => {
    const home = mkdtempSync(path.join(tmpdir(), 'tarmac-log-'))
    const stderr = capture()
    const log = createLogger({ home, level: 'warn', bindings: { cmd: 'predict', runId: 'run-1' }, stderr: stderr.stream })
    log.debug('not kept')
    log.info({ rows: 3 }, 'scored')
    log.warn({ rejected: 1, file: 'x.jsonl' }, 'rows rejected')
    const lines = readFileSync(path.join(home, 'logs/tarmac.log'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(lines).toEqual([
      {
        level: 30,
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        pid: process.pid,
        cmd: 'predict',
        runId: 'run-1',
        rows: 3,
        msg: 'scored',
      },
      {
        level: 40,
        time: expect.any(String),
        pid: process.pid,
        cmd: 'predict',
        runId: 'run-1',
        rejected: 1,
        file: 'x.jsonl',
        msg: 'rows rejected',
      },
    ])
    expect(stderr.text()).toBe('warn  rows rejected cmd=predict runId=run-1 rejected=1 file=x.jsonl\n')
  })

  it('takes --log-level over TARMAC_LOG_LEVEL and refuses an unknown level', () => {
    process.env.TARMAC_LOG_LEVEL = 'debug'
    try {
      expect(logLevel()).toBe('debug')
      expect(logLevel('error')).toBe('error')
      expect(() => logLevel('loud')).toThrow('log level must be one of trace, debug, info, warn, error, fatal, got "loud"')
    } finally {
      delete process.env.TARMAC_LOG_LEVEL
    }
  })
})
