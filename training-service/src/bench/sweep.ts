import { NUMERIC_FEATURES } from '@tarmac/sdk/features'
import { seededRandom } from '@tarmac/sdk/random'
import { trialConfigSchema } from '../train/family.ts'
import { runTrials } from '../train/sweep.ts'
import type { EncodedSplit } from '../train/trainer.ts'
import { fmt, row } from './stats.ts'

function split(rows: number, seed: number): EncodedSplit {
  const rand = seededRandom(seed)
  const width = NUMERIC_FEATURES.length
  const numeric = Float32Array.from({ length: rows * width }, () => rand() * 2 - 1)
  const labels = Uint8Array.from({ length: rows }, (_, r) => (numeric[r * width] + rand() > 0.8 ? 1 : 0))
  const index = () => Int32Array.from({ length: rows }, () => Math.floor(rand() * 200))
  return { rows, width, numeric, origin: index(), destination: index(), labels }
}

/** A 4-trial sweep on worker threads, one lane (the baseline) vs one per core. */
export async function benchSweep(rows: number): Promise<string[]> {
  const train = split(rows, 1)
  const validate = split(20_000, 2)
  const shape = { numericWidth: NUMERIC_FEATURES.length, vocab: 200 }
  const jobs = [0, 1, 2, 3].map((index) => ({
    index,
    shape,
    train,
    validate,
    config: trialConfigSchema.parse({ family: 'mlp', epochs: 1, seed: index + 1 }),
  }))
  const timed = async (lanes: number) => {
    const t = performance.now()
    await runTrials(jobs, () => {}, lanes)
    return (performance.now() - t) / 1000
  }
  const sequential = await timed(1)
  const parallel = await timed(2)
  return [
    `sweep: 4 MLP trials × 1 epoch on ${rows.toLocaleString('en-US')} rows (worker threads)`,
    row('sequential (1 lane) s', fmt(sequential)),
    row('parallel (2 lanes) s', fmt(parallel), `speed-up ${fmt(sequential / parallel, 2)}×`),
    row('trials per minute (parallel)', fmt((4 / parallel) * 60, 1)),
  ]
}
