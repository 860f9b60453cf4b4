import { createWorkerClient } from '@tarmac/sdk/client/worker'
import type { PredictResponse } from '@tarmac/sdk/contracts/predict'
import { type FlightRecord, recordToInstance } from '@tarmac/sdk/features'
import { userFacing } from '../errors.ts'
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

/** Scores through the Worker's predict route: ≤ 500 rows a request, at most `concurrency` in flight, in order. */
export function createRemoteScorer(options: RemoteOptions): Scorer {
  // the admin key keeps a batch job out of the per-caller rate limit; busy (429, 5xx) answers are retried
  const client = createWorkerClient({
    endpoint: options.url,
    apiKey: options.apiKey,
    adminKey: options.adminKey,
    attempts: ATTEMPTS,
    backoffMs: options.backoffMs,
    onRetry: (attempt, failure) => options.log.warn({ attempt, reason: failure.message.slice(0, 200) }, 'predict request failed, retrying'),
  })
  const predict = (records: FlightRecord[]) =>
    client.predict(options.model, records.map(recordToInstance)).catch((error) => {
      throw userFacing(error)
    })
  let served = `${options.model} at ${options.url}`
  return {
    describe: () => served,
    async score(records) {
      const chunks = Math.ceil(records.length / REMOTE_BATCH_ROWS)
      const answers: PredictResponse[] = new Array(chunks)
      let next = 0
      const worker = async () => {
        for (let i = next++; i < chunks; i = next++) {
          answers[i] = await predict(records.slice(i * REMOTE_BATCH_ROWS, (i + 1) * REMOTE_BATCH_ROWS))
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
