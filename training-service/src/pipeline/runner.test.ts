import { access, mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { runPipeline, type Step, StepFailedError } from './runner.ts'

/** A diamond a → (b ‖ c) → d whose steps count their executions and can be made to fail or to wait. */
function diamond(params: { b: number; c: number }, calls: string[], opts: { failAt?: string; delayMs?: number } = {}): Step[] {
  const step = (name: string, needs: string[], p: unknown, compute: (inputs: Record<string, unknown>) => unknown): Step => ({
    name,
    version: 1,
    needs,
    params: p,
    cache: true,
    async run(inputs) {
      calls.push(`start:${name}`)
      if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs))
      if (opts.failAt === name) throw new Error(`${name} broke`)
      calls.push(`end:${name}`)
      return compute(inputs)
    },
  })
  return [
    step('a', [], null, () => ({ values: Float32Array.from([1, 2, 3]) })),
    step('b', ['a'], params.b, (i) => ({ sum: (i.a as { values: Float32Array }).values.reduce((x, y) => x + y) * params.b })),
    step('c', ['a'], params.c, () => ({ label: `c=${params.c}` })),
    step('d', ['b', 'c'], null, (i) => ({ text: `${(i.b as { sum: number }).sum} ${(i.c as { label: string }).label}` })),
  ]
}

const statuses = (r: { reports: { name: string; status: string }[] }) => Object.fromEntries(r.reports.map((s) => [s.name, s.status]))
const silent = () => {}

describe('pipeline runner', () => {
  it('runs every step once, then serves every step from the cache without running any', async () => {
    const cache = await mkdtemp(path.join(tmpdir(), 'tarmac-runner-'))
    const calls: string[] = []
    const first = await runPipeline(diamond({ b: 2, c: 1 }, calls), cache, silent)
    expect(statuses(first)).toEqual({ a: 'ran', b: 'ran', c: 'ran', d: 'ran' })
    expect(await first.output('d')).toEqual({ text: '12 c=1' })
    calls.length = 0
    const lines: string[] = []
    const second = await runPipeline(diamond({ b: 2, c: 1 }, calls), cache, (l) => lines.push(l))
    expect(statuses(second)).toEqual({ a: 'cached', b: 'cached', c: 'cached', d: 'cached' })
    expect(calls).toEqual([])
    expect(lines.at(-1)).toMatch(/nothing changed/)
    expect(await second.output('d')).toEqual({ text: '12 c=1' })
    expect(await second.output('a')).toEqual({ values: Float32Array.from([1, 2, 3]) })
  })

  it('re-runs exactly the steps downstream of a changed parameter', async () => {
    const cache = await mkdtemp(path.join(tmpdir(), 'tarmac-runner-'))
    await runPipeline(diamond({ b: 2, c: 1 }, []), cache, silent)
    const calls: string[] = []
    const changed = await runPipeline(diamond({ b: 3, c: 1 }, calls), cache, silent)
    expect(statuses(changed)).toEqual({ a: 'cached', b: 'ran', c: 'cached', d: 'ran' })
    expect(await changed.output('d')).toEqual({ text: '18 c=1' })
  })

  it('runs independent steps concurrently', async () => {
    const cache = await mkdtemp(path.join(tmpdir(), 'tarmac-runner-'))
    const calls: string[] = []
    await runPipeline(diamond({ b: 1, c: 1 }, calls, { delayMs: 30 }), cache, silent)
    // b and c both start before either ends
    expect(calls.slice(2, 4).sort()).toEqual(['start:b', 'start:c'])
  })

  it('keeps earlier outputs when a step fails, and resumes from there on the next run', async () => {
    const cache = await mkdtemp(path.join(tmpdir(), 'tarmac-runner-'))
    const failure = await runPipeline(diamond({ b: 2, c: 1 }, [], { failAt: 'd' }), cache, silent).catch((e) => e)
    expect(failure).toBeInstanceOf(StepFailedError)
    expect(failure.message).toBe('step "d" failed: d broke')
    expect(statuses(failure)).toEqual({ a: 'ran', b: 'ran', c: 'ran', d: 'failed' })
    const calls: string[] = []
    const resumed = await runPipeline(diamond({ b: 2, c: 1 }, calls), cache, silent)
    expect(statuses(resumed)).toEqual({ a: 'cached', b: 'cached', c: 'cached', d: 'ran' })
    expect(calls).toEqual(['start:d', 'end:d'])
  })

  it('gives a step a checkpoint folder of its key that outlives a failed attempt and goes once it succeeds', async () => {
    const cache = await mkdtemp(path.join(tmpdir(), 'tarmac-runner-'))
    const seen: string[][] = []
    const folders: string[] = []
    const step = (fail: boolean, params = 1): Step => ({
      name: 'long',
      version: 1,
      needs: [],
      params,
      cache: true,
      async run(_inputs, _log, checkpoints) {
        folders.push(checkpoints)
        await mkdir(checkpoints, { recursive: true })
        seen.push((await readdir(checkpoints)).sort())
        await writeFile(path.join(checkpoints, `piece-${seen.length}`), 'done')
        if (fail) throw new Error('killed')
        return { pieces: seen.at(-1)?.length }
      },
    })
    await expect(runPipeline([step(true)], cache, silent)).rejects.toThrow('killed')
    await runPipeline([step(true, 2)], cache, silent).catch(() => {})
    const done = await runPipeline([step(false)], cache, silent)
    // the third attempt has the first one's piece (same key), not the second one's (other params)
    expect(seen).toEqual([[], [], ['piece-1']])
    expect(await done.output('long')).toEqual({ pieces: 1 })
    expect(folders[0]).toBe(folders[2])
    await expect(access(folders[0])).rejects.toThrow()
  })

  it('refuses a step that needs a step not listed before it', async () => {
    const [a, b] = diamond({ b: 1, c: 1 }, [])
    await expect(runPipeline([b, a], '/nonexistent', silent)).rejects.toThrow('step "b" needs "a", which is not an earlier step')
  })
})
