import { type Windows, windowsSchema } from '../data/windows.ts'
import { UserInputError } from '../errors.ts'
import type { TrialExecutor } from '../train/executor.ts'
import { type SweepFile, sweepSchema } from '../train/sweep.ts'

export interface TrainSettings {
  dataFile: string
  windows: Windows
  sweep: SweepFile
  /** training-window rows the networks train on; null = all (`--full`) */
  trainRows: number | null
  seed: number
  smoothing: number
  folds: number
  /** parallel trials; defaults to the number of cores */
  concurrency?: number
  /** where the trials run: worker threads here (the default) or BullMQ workers; not part of the cache key */
  executor?: TrialExecutor
}

/** What a run records of its settings: everything that decides its output, not where or how fast it ran. */
export type RecordedSettings = Omit<TrainSettings, 'concurrency' | 'executor'>

/** A training run's settings as the run's params, so `tarmac train --resume` can run the same pipeline again. */
export function settingsToParams(settings: RecordedSettings, model: string): Record<string, string | number> {
  return {
    model,
    data: settings.dataFile,
    train_rows: settings.trainRows ?? 'all',
    seed: settings.seed,
    smoothing: settings.smoothing,
    folds: settings.folds,
    windows: JSON.stringify(settings.windows),
    sweep: JSON.stringify(settings.sweep),
  }
}

/** The settings and model name a run recorded with `settingsToParams`. */
export function settingsFromParams(runId: string, p: Record<string, string>): { settings: RecordedSettings; model: string } {
  if (!p.data || !p.windows || !p.sweep)
    throw new UserInputError(`run ${runId} did not record its settings (data, windows, sweep): train it again instead`)
  return {
    settings: {
      dataFile: p.data,
      windows: windowsSchema.parse(JSON.parse(p.windows)),
      sweep: sweepSchema.parse(JSON.parse(p.sweep)),
      trainRows: p.train_rows === 'all' ? null : Number(p.train_rows),
      seed: Number(p.seed),
      smoothing: Number(p.smoothing),
      folds: Number(p.folds),
    },
    model: p.model,
  }
}
