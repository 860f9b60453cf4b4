import { loadDataset } from '../data/dataset.ts'
import { describeSource } from '../data/source.ts'
import { writeRecord } from '../docs/record.ts'
import { type AblationResult, runAblation } from '../pipeline/ablation.ts'
import type { TrainSettings } from '../pipeline/settings.ts'
import { createProgress } from '../progress.ts'
import { expandSweep } from '../train/sweep.ts'
import { emit } from './output.ts'

/** The ablation trains this trial of the sweep (the first MLP) for every feature set. */
function ablationConfig(settings: TrainSettings) {
  const configs = expandSweep(settings.sweep)
  return configs.find((c) => c.family === 'mlp') ?? configs[0]
}

/** `tarmac train --ablate`: the feature-set ablation on the untouched report slice; nothing is registered. */
export async function ablate(settings: TrainSettings, flags: { json?: boolean; record?: string }, command: string): Promise<void> {
  const started = performance.now()
  await describeSource(settings.dataFile)
  const log = (line: string) => process.stderr.write(`${line}\n`)
  const ds = await loadDataset(settings.dataFile, { windows: settings.windows, progress: createProgress('  ingest') })
  const result = await runAblation(ds.splits, { ...settings, config: ablationConfig(settings), log })
  const data = { windows: settings.windows, ...result }
  if (flags.record) await writeRecord(flags.record, command, started, data)
  emit(Boolean(flags.json), data, renderAblation)
}

const f4 = (v: number | null) => (v === null ? '—' : v.toFixed(4))

export function renderAblation(r: AblationResult): string {
  return [
    `${r.config.family} ${JSON.stringify(r.config.hidden)}, ${r.trainRows.toLocaleString('en-US')} training rows; select on ${r.selectRows.toLocaleString('en-US')} rows, report on ${r.reportRows.toLocaleString('en-US')}`,
    ...r.rows.map(
      (row) => `${row.variant.padEnd(11)} report AUC ${f4(row.reportAuc)}  selection AUC ${f4(row.selectAuc)}  — ${row.honestFor}`,
    ),
  ].join('\n')
}
