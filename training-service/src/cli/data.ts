import type { Command } from 'commander'
import { loadDataset } from '../data/dataset.ts'
import { describeDataset, formatDescription } from '../data/describe.ts'
import { defaultDataPath } from '../data/source.ts'
import { createProgress } from '../progress.ts'
import { readWindowsOption } from './options.ts'
import { emit } from './output.ts'

export function registerDataCommands(program: Command): void {
  const data = program.command('data').description('inspect and validate the flight data')
  data
    .command('describe')
    .description('rows per time window, delay rate, top airports, quarantined rows and the data version')
    .option('--data <file>', 'parquet, CSV or JSON Lines file of flights (default: flights-3m.parquet from vega-datasets)')
    .option('--windows <file>', 'JSON file with train/validate/replay windows ({"train":{"from":"2001-01-01","to":"2001-03-01"},…})')
    .option('--json', 'print machine-readable JSON')
    .action(async (opts: { data?: string; windows?: string; json?: boolean }) => {
      const windows = await readWindowsOption(opts.windows)
      const ds = await loadDataset(opts.data ?? defaultDataPath(), { windows, progress: createProgress('read') })
      emit(Boolean(opts.json), describeDataset(ds), formatDescription)
    })
}
