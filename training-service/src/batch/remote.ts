import { type FlightRecord, recordToInstance } from '@tarmac/sdk/features'
import { UserInputError } from '../errors.ts'
import type { Logger } from '../logging.ts'
import type { Scorer } from './local.ts'

/** The Worker's MAX_BATCH_ROWS is 1000 by default; half of it keeps a request well under the body limit. */
export const REMOTE_BATCH_ROWS = 500
const ATTEMPTS = 5

export interface RemoteOptions {
  /** the Worker's base URL */
  url: string
  model: string
  concurrency: number
  /** an api key (Authorization: Bearer) when the Worker requires one */
  apiKey?: string
  /** the admin key: a batch job is not counted by the per-caller rate limit */
  adminKey?: string
  log: Logger
  /** backoff before retry `attempt` (1-based), in ms */
  backoffMs?: (attempt: number) => number
}

interface PredictResponse {
  model: { name: string; version: number; alias: string }
  predictions: { probability: number; delayed: boolean }[]
}

/** One request, retried with exponential backoff while the Worker is busy (429) or failing (5xx, network). */
async function predictOnce(options: RemoteOptions, records: FlightRecord[]): Promise<PredictResponse> {
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`
  if (options.adminKey) headers['X-Tarmac-Admin-Key'] = options.adminKey
  const url = new URL(`/v1/models/${options.model}/predict`, options.url)
  const body = JSON.stringify({ instances: records.map(recordToInstance) })
  const backoff = options.backoffMs ?? ((attempt) => 250 * 2 ** attempt)
  for (let attempt = 1; ; attempt++) {
    const res = await fetch(url, { method: 'POST', headers, body }).catch((e: Error) => e)
    if (!(res instanceof Error) && res.ok) return (await res.json()) as PredictResponse
    const reason = res instanceof Error ? String(res.cause ?? res.message) : `${res.status} ${await res.text()}`
    if (!(res instanceof Error) && res.status !== 429 && res.status < 500) throw new UserInputError(`${url}: ${reason}`)
    if (attempt === ATTEMPTS) throw new UserInputError(`${url}: ${reason} (gave up after ${ATTEMPTS} attempts)`)
    options.log.warn({ attempt, reason: reason.slice(0, 200) }, 'predict request failed, retrying')
    await new Promise((r) => setTimeout(r, backoff(attempt)))
  }
}

/** Scores through the Worker's predict route: ≤ 500 rows a request, at most `concurrency` in flight, in order. */
export function createRemoteScorer(options: RemoteOptions): Scorer {
  let served = `${options.model} at ${options.url}`
  return {
    describe: () => served,
    async score(records) {
      const chunks = Math.ceil(records.length / REMOTE_BATCH_ROWS)
      const answers: PredictResponse[] = new Array(chunks)
      let next = 0
      const worker = async () => {
        for (let i = next++; i < chunks; i = next++) {
          answers[i] = await predictOnce(options, records.slice(i * REMOTE_BATCH_ROWS, (i + 1) * REMOTE_BATCH_ROWS))
        }
      }
      await Promise.all(Array.from({ length: Math.min(options.concurrency, chunks) }, worker))
      const predictions = answers.flatMap((a) => a.predictions)
      if (answers.length > 0) served = `${answers[0].model.name}@${answers[0].model.version} at ${options.url}`
      return { probabilities: predictions.map((p) => p.probability), delayed: predictions.map((p) => p.delayed) }
    },
    close: async () => {},
  }
}
