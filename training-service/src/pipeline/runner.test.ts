import { access, mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { type Needs, type NoInputs, type PipelineResult, pipeline, runPipeline, type Step, StepFailedError } from './runner.ts'

type Calls = string[]
type Options = { failAt?: string; delayMs?: number }

/** A step that records its start and end and can be made to fail or to wait. */
function step<N extends string, In, O>(
  name: N,
  needs: Needs<In>,
  params: unknown,
  compute: (inputs: In) => O,
  calls: Calls,
  opts: Options,
): Step<N, In, O> {
  return {
    name,
    version: 1,
    needs,
    params,
    cache: true,
    async run(inputs) {
      calls.push(`start:${name}`)
      if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs))
      if (opts.failAt === name) throw new Error(`${name} broke`)
      calls.push(`end:${name}`)
      return compute(inputs)
    },
  }
}

/** A diamond a → (b ‖ c) → d whose steps count their executions. */
function diamond(params: { b: number; c: number }, calls: Calls, opts: Options = {}) {
  return pipeline()
    .add(step('a', {}, null, () => ({ values: Float32Array.from([1, 2, 3]) }), calls, opts))
    .add(
      step(
        'b',
        { a: true },
        params.b,
        (i: { a: { values: Float32Array } }) => ({ sum: i.a.values.reduce((x, y) => x + y) * params.b }),
        calls,
        opts,
      ),
    )
    .add(step('c', { a: true }, params.c, () => ({ label: `c=${params.c}` }), calls, opts))
    .add(
      step(
        'd',
        { b: true, c: true },
        null,
        (i: { b: { sum: number }; c: { label: string } }) => ({ text: `${i.b.sum} ${i.c.label}` }),
        calls,
        opts,
      ),
    )
}

const statuses = (r: { reports: { name: string; status: string }[] }) => Object.fromEntries(r.reports.map((s) => [s.name, s.status]))
const silent = () => {}

describe('pipeline runner', () => {
  it('runs every step once, then serves every step from the cache without running any', async () => {
    const cache = await mkdtemp(path.join(tmpdir(), 'tarmac-runner-'))
    const calls: string[] = []
    const first = await runPipeline(diamond({ b: 2, c: 1 }, calls), cache, silent)
    expect(statuses(first)).toEqual({ a: 'ran', b: 'ran', c: 'ran', d: 'ran' })
    expect((await first.outputs({ d: true })).d).toEqual({ text: '12 c=1' })
    calls.length = 0
    const lines: string[] = []
    const second = await runPipeline(diamond({ b: 2, c: 1 }, calls), cache, (l) => lines.push(l))
    expect(statuses(second)).toEqual({ a: 'cached', b: 'cached', c: 'cached', d: 'cached' })
    expect(calls).toEqual([])
    expect(lines.at(-1)).toMatch(/nothing changed/)
    expect(await second.outputs({ d: true, a: true })).toEqual({ d: { text: '12 c=1' }, a: { values: Float32Array.from([1, 2, 3]) } })
  })

  it('re-runs exactly the steps downstream of a changed parameter', async () => {
    const cache = await mkdtemp(path.join(tmpdir(), 'tarmac-runner-'))
    await runPipeline(diamond({ b: 2, c: 1 }, []), cache, silent)
    const calls: string[] = []
    const changed = await runPipeline(diamond({ b: 3, c: 1 }, calls), cache, silent)
    expect(statuses(changed)).toEqual({ a: 'cached', b: 'ran', c: 'cached', d: 'ran' })
    expect((await changed.outputs({ d: true })).d).toEqual({ text: '18 c=1' })
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
    const long = (fail: boolean, params = 1): Step<'long', NoInputs, { pieces: number | undefined }> => ({
      name: 'long',
      version: 1,
      needs: {},
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
    await expect(runPipeline(pipeline().add(long(true)), cache, silent)).rejects.toThrow('killed')
    await runPipeline(pipeline().add(long(true, 2)), cache, silent).catch(() => {})
    const done = await runPipeline(pipeline().add(long(false)), cache, silent)
    // the third attempt has the first one's piece (same key), not the second one's (other params)
    expect(seen).toEqual([[], [], ['piece-1']])
    expect((await done.outputs({ long: true })).long).toEqual({ pieces: 1 })
    expect(folders[0]).toBe(folders[2])
    await expect(access(folders[0])).rejects.toThrow()
  })

  it('refuses a step added twice', () => {
    const a = step<'a', NoInputs, number>('a', {}, null, () => 1, [], {})
    expect(() => pipeline().add(a).add(a)).toThrow('step "a" is added twice')
  })

  it('refuses a step that needs a step not added before it, also when the types were got around', () => {
    const loose = pipeline()
    // @ts-expect-error: no step "a" comes before this one
    expect(() => loose.add(step('b', { a: true }, null, (i: { a: number }) => i.a, [], {}))).toThrow(
      'step "b" needs "a", which is not an earlier step',
    )
  })

  it('refuses, at compile time, a step whose inputs its dependencies do not produce', () => {
    const a = pipeline().add(step('a', {}, null, () => ({ values: [1, 2] }), [], {}))
    // @ts-expect-error: a produces { values: number[] }, not { label: string }
    a.add(step('b', { a: true }, null, (i: { a: { label: string } }) => i.a.label, [], {}))
    // @ts-expect-error: no step "z" comes before this one
    expect(() => a.add(step('b', { z: true }, null, (i: { z: number }) => i.z, [], {}))).toThrow('needs "z"')
    // @ts-expect-error: the step reads `a` but does not list it in its needs
    a.add(step('b', {}, null, (i: { a: { values: number[] } }) => i.a.values, [], {}))
    const read = (result: PipelineResult<{ a: { values: number[] } }>) =>
      // @ts-expect-error: only outputs of the pipeline's steps can be read
      result.outputs({ z: true })
    expect(typeof read).toBe('function')
  })
})
