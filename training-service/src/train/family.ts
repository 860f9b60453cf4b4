import { z } from 'zod'

/** Hyperparameters of one trial; a sweep is a list of these. */
export const trialConfigSchema = z.object({
  family: z.enum(['logreg', 'mlp']),
  hidden: z.array(z.number().int().positive('must be a positive layer width')).max(4, 'at most 4 hidden layers').default([64, 32]),
  embeddingDim: z.number().int().min(1).max(64).default(8),
  learningRate: z.number().positive('must be > 0').max(1).default(0.002),
  batchSize: z.number().int().min(16).max(65536).default(1024),
  epochs: z.number().int().positive('must be a positive number of epochs').max(200).default(8),
  patience: z.number().int().min(0).default(2),
  l2: z.number().min(0).default(0),
  seed: z.number().int().nonnegative().default(7),
})
export type TrialConfig = z.infer<typeof trialConfigSchema>
