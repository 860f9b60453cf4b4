import { type DriftReport, detectDrift, fitReferenceProfileSpec, mergeProfiles, type Profile, profileFlights } from '@tarmac/sdk/drift'
import { type Flight, fromRecord } from '@tarmac/sdk/features'
import type { Scorer } from '../batch/local.ts'
import { SLICE_ROWS, validateSlice } from '../batch/score.ts'
import { describeSource, readRawRows } from '../data/source.ts'
import { UserInputError } from '../errors.ts'
import type { Progress } from '../progress.ts'

export interface FileSide {
  file: string
  rows: number
  /** rows that failed validation: not profiled */
  rejected: number
  rejectedByReason: Record<string, number>
}

export interface FileDrift {
  model: string
  reference: FileSide
  current: FileSide
  report: DriftReport
}

/** Every valid row of a file, scored: the reference's bins are fitted on all of it. */
async function scoredFlights(file: string, scorer: Scorer, side: FileSide, progress?: Progress) {
  const flights: Flight[] = []
  const scores: number[] = []
  await eachScoredSlice(file, scorer, side, progress, (f, p) => {
    flights.push(...f)
    for (const x of Array.from(p)) scores.push(x)
  })
  return { flights, predictions: Float64Array.from(scores) }
}

async function eachScoredSlice(
  file: string,
  scorer: Scorer,
  side: FileSide,
  progress: Progress | undefined,
  take: (flights: Flight[], predictions: ArrayLike<number>) => void,
): Promise<void> {
  progress?.start((await describeSource(file)).rows)
  for await (const batch of readRawRows(file)) {
    for (let start = 0; start < batch.rows.length; start += SLICE_ROWS) {
      const raws = batch.rows.slice(start, start + SLICE_ROWS)
      const { records, rejected } = validateSlice(raws, batch.firstRow + start)
      side.rows += raws.length
      side.rejected += rejected.length
      for (const r of rejected) side.rejectedByReason[r.reason] = (side.rejectedByReason[r.reason] ?? 0) + 1
      if (records.length > 0) take(records.map(fromRecord), (await scorer.score(records)).probabilities)
      progress?.tick(raws.length)
    }
  }
  progress?.done()
}

const emptySide = (file: string): FileSide => ({ file, rows: 0, rejected: 0, rejectedByReason: {} })

/**
 * Drift of a current file against a reference file, by the code the edge cron runs: both are reduced to
 * profiles (histograms on bins fitted on the reference and the model's scores of it) and compared with
 * detectDrift. The reference is held in memory to fit its quantile bins; the current file is streamed.
 */
export async function driftOfFiles(
  referenceFile: string,
  currentFile: string,
  scorer: Scorer,
  progress: (side: 'reference' | 'current') => Progress | undefined = () => undefined,
): Promise<FileDrift> {
  const reference = emptySide(referenceFile)
  const { flights, predictions } = await scoredFlights(referenceFile, scorer, reference, progress('reference'))
  if (flights.length === 0) throw new UserInputError(`--reference ${referenceFile}: no valid rows to profile`)
  const spec = fitReferenceProfileSpec(flights, predictions)
  const referenceProfile = profileFlights(flights, predictions, spec)

  const current = emptySide(currentFile)
  let currentProfile: Profile | null = null
  await eachScoredSlice(currentFile, scorer, current, progress('current'), (f, p) => {
    const slice = profileFlights(f, p, spec)
    currentProfile = currentProfile ? mergeProfiles(currentProfile, slice) : slice
  })
  if (!currentProfile) throw new UserInputError(`--current ${currentFile}: no valid rows to profile`)
  return { model: scorer.describe(), reference, current, report: detectDrift(referenceProfile, currentProfile) }
}
