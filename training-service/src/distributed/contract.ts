import { z } from 'zod'

/** What orchestrator and workers agree on: queue names, the key prefix, the job payload and what a worker returns. */
export const QUEUE_PREFIX = 'tarmac'
/** one child job per trial; workers consume it */
export const TRIAL_QUEUE = 'trials'
/** one parent job per sweep, waiting on its trials; nobody consumes it, the orchestrator removes it at the end */
export const SWEEP_QUEUE = 'sweeps'

const blobKey = z.string().regex(/^blobs\/[0-9a-f]{64}$/, 'must be a content-addressed blob key')

/**
 * A trial job's payload: the config, the network shape and the artifact keys of the encoded splits.
 * Never the rows themselves: they are read from the shared artifact directory.
 */
export const trialJobDataSchema = z.object({
  sweep: z.string().min(1),
  index: z.number().int().nonnegative(),
  config: z.unknown(),
  shape: z.object({ numericWidth: z.number().int().positive(), vocab: z.number().int().positive() }),
  train: blobKey,
  validate: blobKey,
})
export type TrialJobData = z.infer<typeof trialJobDataSchema>

/** A worker's return value: where the packed TrialResult is, and who produced it. */
export const trialReturnSchema = z.object({ result: blobKey, worker: z.string(), seconds: z.number() })
export type TrialReturn = z.infer<typeof trialReturnSchema>

export const trialJobId = (sweep: string, index: number) => `${sweep}-t${index}`

/** A progress event of a trial job: one per finished epoch. */
export const epochProgressSchema = z.object({
  epoch: z.number(),
  trainLoss: z.number(),
  valLoss: z.number(),
  valAuc: z.number(),
  seconds: z.number(),
})
