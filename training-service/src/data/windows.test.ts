import { describe, expect, it } from 'vitest'
import { DEFAULT_WINDOWS, windowOf, windowsSchema } from './windows.ts'

const base = {
  train: { from: '2001-01-01', to: '2001-03-01' },
  validate: { from: '2001-03-01', to: '2001-04-01' },
  replay: { from: '2001-04-01', to: '2001-07-01' },
}

describe('windows', () => {
  it('gives a file without a report slice the second half of validate, in whole days', () => {
    const w = windowsSchema.parse(base)
    expect(w.validate).toEqual({ from: '2001-03-01', to: '2001-03-16' })
    expect(w.report).toEqual({ from: '2001-03-16', to: '2001-04-01' })
  })

  it('refuses a report slice that starts before selection ends, naming the field', () => {
    const r = windowsSchema.safeParse({ ...base, report: { from: '2001-03-20', to: '2001-04-01' } })
    expect(r.success).toBe(false)
    expect(r.error?.issues[0].path).toEqual(['report'])
    const short = windowsSchema.safeParse({ ...base, validate: { from: '2001-03-01', to: '2001-03-02' } })
    expect(short.error?.issues[0].path).toEqual(['validate'])
  })

  it('puts every March flight in exactly one of select and report by default', () => {
    expect(windowOf(DEFAULT_WINDOWS, Date.UTC(2001, 2, 15, 23, 59))).toBe('validate')
    expect(windowOf(DEFAULT_WINDOWS, Date.UTC(2001, 2, 16, 0, 0))).toBe('report')
    expect(windowOf(DEFAULT_WINDOWS, Date.UTC(2001, 3, 1))).toBe('replay')
  })
})
