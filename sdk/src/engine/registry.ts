import type { EncodedBatch } from '../features/encoder.ts'
import type { EngineCandidate, EngineFailure, EngineResult, InferenceEngine } from './types.ts'

export class NoEngineError extends Error {
  constructor(readonly failures: readonly EngineFailure[]) {
    super(`no inference engine could run the model: ${failures.map((f) => `${f.name} (${f.stage}): ${f.message}`).join('; ')}`)
    this.name = 'NoEngineError'
  }
}

/**
 * Engines in priority order. The first one that initialises serves; one that fails (at init or at run)
 * is recorded and never retried, and the next one takes over, so a model keeps answering as long as
 * any runtime can evaluate it.
 */
export class EngineRegistry {
  readonly failures: EngineFailure[] = []
  #next = 0
  #active: Promise<InferenceEngine> | undefined

  constructor(private readonly candidates: readonly EngineCandidate[]) {}

  /** The serving engine, initialised once. */
  engine(): Promise<InferenceEngine> {
    this.#active ??= this.#initialise()
    return this.#active
  }

  async run(batch: EncodedBatch): Promise<EngineResult> {
    for (;;) {
      const engine = await this.engine()
      try {
        return { probabilities: await engine.run(batch), engine: engine.name }
      } catch (error) {
        this.failures.push({ name: engine.name, stage: 'run', message: messageOf(error) })
        this.#active = undefined
      }
    }
  }

  async #initialise(): Promise<InferenceEngine> {
    while (this.#next < this.candidates.length) {
      const candidate = this.candidates[this.#next++]
      try {
        return await candidate.create()
      } catch (error) {
        this.failures.push({ name: candidate.name, stage: 'init', message: messageOf(error) })
      }
    }
    // stays rejected: every candidate has been tried
    throw new NoEngineError(this.failures)
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
