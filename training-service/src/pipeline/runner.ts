import { createHash } from 'node:crypto'
import { access, rm } from 'node:fs/promises'
import path from 'node:path'
import { loadBag, saveBag } from './bag.ts'

/** One typed step of the pipeline DAG. Its output is content-addressed by code version, params and inputs. */
export interface Step<O = unknown> {
  name: string
  /** bump when the step's code changes what it outputs: old cache entries stop matching */
  version: number
  needs: readonly string[]
  /** everything besides the upstream outputs that decides the output */
  params: unknown
  /** false for steps whose effect lives outside the cache (registry writes, publishing): they always run */
  cache: boolean
  /** a digest of outside inputs known before running, e.g. the source file's sha256 */
  fingerprint?: () => Promise<string>
  /**
   * `checkpoints` is a folder of this step's key that outlives a failed or killed attempt: a long step keeps
   * finished pieces of work there, and the next attempt with the same key picks them up. Removed on success.
   */
  run(inputs: Record<string, unknown>, log: (line: string) => void, checkpoints: string): Promise<O>
}

export type StepStatus = 'ran' | 'cached' | 'failed' | 'skipped'

export interface StepReport {
  name: string
  key: string
  status: StepStatus
  seconds: number
  error?: string
}

export interface PipelineResult {
  reports: StepReport[]
  output<T>(name: string): Promise<T>
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

function checkGraph(steps: readonly Step[]): void {
  const names = new Set<string>()
  for (const s of steps) {
    for (const n of s.needs) if (!names.has(n)) throw new Error(`step "${s.name}" needs "${n}", which is not an earlier step`)
    names.add(s.name)
  }
}

/**
 * Runs the steps (listed in dependency order). Independent steps run concurrently; a step whose key is
 * in the cache is not run, and its output is loaded only if a later step that must run needs it.
 */
export async function runPipeline(steps: readonly Step[], cacheDir: string, log: (line: string) => void): Promise<PipelineResult> {
  checkGraph(steps)
  const byName = new Map(steps.map((s) => [s.name, s]))
  const keys = new Map<string, string>()
  for (const s of steps) {
    const fingerprint = s.fingerprint ? await s.fingerprint() : ''
    keys.set(s.name, digest(s.name, String(s.version), JSON.stringify(s.params ?? null), fingerprint, ...s.needs.map((n) => keys.get(n)!)))
  }
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
    p = cached.has(name) ? loadBag(dirOf(name)) : execute(step)
    outputs.set(name, p)
    return p
  }
  const execute = async (step: Step): Promise<unknown> => {
    const inputs: Record<string, unknown> = {}
    const values = await Promise.all(step.needs.map(output))
    step.needs.forEach((n, i) => {
      inputs[n] = values[i]
    })
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
  return { reports: ordered(), output: <T>(name: string) => output(name) as Promise<T> }
}
