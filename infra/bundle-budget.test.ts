import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { type Budgets, measure } from './bundle-budget.ts'

const budgets: Budgets = { ignore: ['*.map'], files: { 'index.js': 20_000, '*.wasm': 50_000 }, total: 60_000 }
const temps: string[] = []

/** Random bytes do not compress: their gzip size is the byte count plus a small header. */
function outdir(files: Record<string, number>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tarmac-bundle-'))
  temps.push(dir)
  for (const [file, bytes] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true })
    writeFileSync(path.join(dir, file), randomBytes(bytes))
  }
  return dir
}

afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true })
})

describe('bundle budget', () => {
  it('passes under budget and ignores source maps', () => {
    const { sizes, problems } = measure(outdir({ 'index.js': 10_000, 'abc-ort.wasm': 30_000, 'index.js.map': 500_000 }), budgets)
    expect(problems).toEqual([])
    expect(sizes.map((s) => [s.file, s.budget])).toEqual([
      ['abc-ort.wasm', 50_000],
      ['index.js', 20_000],
    ])
    expect(sizes[1].gzipBytes).toBeGreaterThan(10_000)
  })

  it('fails a file over its budget and a total over the total budget', () => {
    const { problems } = measure(outdir({ 'index.js': 25_000, 'abc-ort.wasm': 40_000 }), budgets)
    expect(problems).toHaveLength(2)
    expect(problems[0]).toMatch(/^bundle budget: index\.js is \d+ B gzip, over its 20000 B budget$/)
    expect(problems[1]).toMatch(/^bundle budget: total \d+ B gzip is over the 60000 B budget$/)
  })

  it('fails a file no budget covers, and an empty folder', () => {
    expect(measure(outdir({ 'index.js': 100, 'assets/new.bin': 100 }), budgets).problems).toEqual([
      expect.stringMatching(/^bundle budget: assets\/new\.bin \(\d+ B gzip\) matches no budget/),
    ])
    expect(measure(outdir({}), budgets).problems).toEqual([expect.stringMatching(/holds no files to measure/)])
  })
})
