import { createHash } from 'node:crypto'
import { access, rm } from 'node:fs/promises'
import path from 'node:path'
import { loadBag, saveBag } from './bag.ts'

/**
 * The steps a step reads, by name: `{ ingest: true, train: true }`. Every input must be listed (the type
 * requires each key of `In`); the listing order is the order their keys enter this step's key.
 */
export type Needs<In> = { readonly [K in keyof In]-?: true }

/** The inputs of a step that reads no other step's output. */
export type NoInputs = Record<never, never>

/** One typed step of the pipeline DAG. Its output is content-addressed by code version, params and inputs. */
export interface Step<N extends string, In, O> {
  name: N
  /** bump when the step's code changes what it outputs: old cache entries stop matching */
  version: number
  needs: Needs<In>
  /** everything besides the upstream outputs that decides the output */
  params: unknown
  /** false for steps whose effect lives outside the cache (registry writes, publishing): they always run */
  cache: boolean
  /** a digest of outside inputs known before running, e.g. the source file's sha256 */
  fingerprint?: () => Promise<string>
  /**
   * `checkpoints` is a folder of this step's key that outlives a failed or killed attempt: a long step keeps
   * finished pieces of work there, and the next attempt with the same key picks them up. Removed on success.
   * A property, not a method, so that `add` checks `inputs` strictly (contravariantly).
   */
  run: (inputs: In, log: (line: string) => void, checkpoints: string) => Promise<O>
}

/**
 * A step as the runner executes it: names and values. The one place step types are erased: `run` is a
 * method, whose parameter TypeScript compares both ways, so a typed step is one of these without a cast.
 * That is sound because `add` has already proved each input is its dependency's output.
 */
interface RunnableStep extends Omit<Step<string, object, unknown>, 'run' | 'needs'> {
  needs: object
  run(inputs: object, log: (line: string) => void, checkpoints: string): Promise<unknown>
}

/** Reads outputs by name, typed by the same erasure as `RunnableStep.run`. */
interface Reader<R> {
  read(outputs: object): R
}

/** A DAG built step by step: a step may only need steps added before it, and gets exactly their output types. */
export interface Pipeline<Outs> {
  readonly steps: readonly RunnableStep[]
  add<N extends string, K extends keyof Outs & string, O>(step: Step<N, Pick<Outs, K>, O>): Pipeline<Outs & { [P in N]: O }>
}

export function pipeline(): Pipeline<NoInputs> {
  return build([])
}

function build<Outs>(steps: readonly RunnableStep[]): Pipeline<Outs> {
  return {
    steps,
    add<N extends string, K extends keyof Outs & string, O>(step: Step<N, Pick<Outs, K>, O>) {
      // the types already refuse both; this guards callers that got around them
      if (steps.some((s) => s.name === step.name)) throw new Error(`step "${step.name}" is added twice`)
      for (const n of needsOf(step))
        if (!steps.some((s) => s.name === n)) throw new Error(`step "${step.name}" needs "${n}", which is not an earlier step`)
      return build<Outs & { [P in N]: O }>([...steps, step])
    },
  }
}

/** The names of the steps a step needs, in the order they were listed. */
export const needsOf = (step: { needs: object }): string[] => Object.keys(step.needs)

export type StepStatus = 'ran' | 'cached' | 'failed' | 'skipped'

export interface StepReport {
  name: string
  key: string
  status: StepStatus
  seconds: number
  error?: string
}

export interface PipelineResult<Outs> {
  reports: StepReport[]
  /** the outputs of the named steps; a cached one is loaded from the cache */
  outputs<K extends keyof Outs & string>(names: Needs<Pick<Outs, K>>): Promise<Pick<Outs, K>>
}

export class StepFailedError extends Error {
  override name = 'StepFailedError'
  constructor(
    readonly step: string,
    readonly reports: StepReport[],
    cause: unknown,
  ) {
    super(`step "${step}" failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause })
  }
}

function digest(...parts: string[]): string {
  const h = createHash('sha256')
  for (const p of parts) h.update(p).update('\0')
  return h.digest('hex')
}

/** Each step's cache key: sha256 of its name, version, params, fingerprint and the keys of what it needs. */
export async function stepKeys(steps: readonly RunnableStep[]): Promise<Map<string, string>> {
  const keys = new Map<string, string>()
  for (const s of steps) {
    const fingerprint = s.fingerprint ? await s.fingerprint() : ''
    keys.set(
      s.name,
      digest(s.name, String(s.version), JSON.stringify(s.params ?? null), fingerprint, ...needsOf(s).map((n) => keys.get(n)!)),
    )
  }
  return keys
}

/**
 * Runs the steps (added in dependency order). Independent steps run concurrently; a step whose key is
 * in the cache is not run, and its output is loaded only if a later step that must run needs it.
 */
export async function runPipeline<Outs>(dag: Pipeline<Outs>, cacheDir: string, log: (line: string) => void): Promise<PipelineResult<Outs>> {
  const { steps } = dag
  const keys = await stepKeys(steps)
  const byName = new Map(steps.map((s) => [s.name, s]))
  const dirOf = (name: string) => path.join(cacheDir, name, keys.get(name)!.slice(0, 24))
  const cached = new Set<string>()
  for (const s of steps) {
    if (!s.cache) continue
    const hit = await access(path.join(dirOf(s.name), 'bag.json')).then(
      () => true,
      () => false,
    )
    if (hit) cached.add(s.name)
  }
  const reports = new Map<string, StepReport>()
  const outputs = new Map<string, Promise<unknown>>()
  const output = (name: string): Promise<unknown> => {
    let p = outputs.get(name)
    if (p) return p
    const step = byName.get(name)!
    p = cached.has(name) ? loadBag<unknown>(dirOf(name)) : execute(step)
    outputs.set(name, p)
    return p
  }
  const gather = async (names: string[]): Promise<Record<string, unknown>> => {
    const values = await Promise.all(names.map(output))
    return Object.fromEntries(names.map((n, i) => [n, values[i]]))
  }
  const execute = async (step: RunnableStep): Promise<unknown> => {
    const inputs = await gather(needsOf(step))
    const started = performance.now()
    const key = keys.get(step.name)!
    log(`▶ ${step.name}`)
    try {
      const checkpoints = `${dirOf(step.name)}.checkpoints`
      const result = await step.run(inputs, (line) => log(`  ${step.name}: ${line}`), checkpoints)
      if (step.cache) await saveBag(dirOf(step.name), result)
      await rm(checkpoints, { recursive: true, force: true })
      const seconds = (performance.now() - started) / 1000
      reports.set(step.name, { name: step.name, key, status: 'ran', seconds })
      log(`✓ ${step.name} (${seconds.toFixed(1)}s)`)
      return result
    } catch (error) {
      const seconds = (performance.now() - started) / 1000
      reports.set(step.name, { name: step.name, key, status: 'failed', seconds, error: (error as Error).message })
      log(`✗ ${step.name}: ${(error as Error).message}`)
      throw error
    }
  }
  const pending = steps.filter((s) => !cached.has(s.name))
  for (const s of steps.filter((s) => cached.has(s.name))) {
    reports.set(s.name, { name: s.name, key: keys.get(s.name)!, status: 'cached', seconds: 0 })
    log(`• ${s.name} cached (${keys.get(s.name)!.slice(0, 12)})`)
  }
  const settled = await Promise.allSettled(pending.map((s) => output(s.name)))
  const ordered = () =>
    steps.map((s) => reports.get(s.name) ?? { name: s.name, key: keys.get(s.name)!, status: 'skipped' as const, seconds: 0 })
  const failure = settled.findIndex((r) => r.status === 'rejected')
  if (failure >= 0) {
    const failed = ordered().find((r) => r.status === 'failed')
    throw new StepFailedError(failed?.name ?? pending[failure].name, ordered(), (settled[failure] as PromiseRejectedResult).reason)
  }
  if (pending.length === 0) log('nothing changed: every step was cached')
  return {
    reports: ordered(),
    async outputs<K extends keyof Outs & string>(names: Needs<Pick<Outs, K>>) {
      const reader: Reader<Pick<Outs, K>> = { read: (values: Pick<Outs, K>) => values }
      return reader.read(await gather(needsOf({ needs: names })))
    },
  }
}
