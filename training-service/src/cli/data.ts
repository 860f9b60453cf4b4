import path from 'node:path'
import type { Command } from 'commander'
import { loadDataset } from '../data/dataset.ts'
import { describeDataset, formatDescription } from '../data/describe.ts'
import { readLineage } from '../data/lineage.ts'
import { pullCapture } from '../data/pull.ts'
import { defaultDataPath } from '../data/source.ts'
import { windowBounds, windowSchema } from '../data/windows.ts'
import { UserInputError } from '../errors.ts'
import { homeDir } from '../home.ts'
import { createProgress } from '../progress.ts'
import { workerUrl } from './format-command.ts'
import { readWindowsOption } from './options.ts'
import { emit } from './output.ts'
import { adminKeyFromEnv } from './publish.ts'

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
      const file = opts.data ?? defaultDataPath()
      const ds = await loadDataset(file, { windows, progress: createProgress('read') })
      emit(Boolean(opts.json), { ...describeDataset(ds), lineage: await readLineage(file) }, formatDescription)
    })
  data
    .command('pull')
    .description("fetch a model's captured, labelled rows for a window of event time from a Worker into a new data version")
    .requiredOption('--url <url>', 'the edge Worker (locally the `wrangler dev` address); the admin key comes from TARMAC_ADMIN_KEY')
    .option('--model <name>', 'model whose capture is read', 'flight-delay')
    .requiredOption('--from <date>', 'first day of the window (ISO date, event time)')
    .requiredOption('--to <date>', 'day after the last (ISO date, exclusive)')
    .option('--role <role>', 'served (what callers saw) or shadow (a challenger computed beside it)', 'served')
    .option('--home <dir>', 'state folder; the data version goes to <home>/data (default: $TARMAC_HOME or ./.tarmac)')
    .option('--json', 'print machine-readable JSON')
    .action(async (opts: { url: string; model: string; from: string; to: string; role: string; home?: string; json?: boolean }) => {
      const window = windowSchema.safeParse({ from: opts.from, to: opts.to })
      if (!window.success) throw new UserInputError(`--from/--to: ${window.error.issues[0].message} (ISO dates, from before to)`)
      const [from, to] = windowBounds(window.data)
      if (opts.role !== 'served' && opts.role !== 'shadow') throw new UserInputError(`--role must be served or shadow, got "${opts.role}"`)
      const pulled = await pullCapture({
        worker: workerUrl('--url', opts.url),
        adminKey: adminKeyFromEnv(),
        model: opts.model,
        from,
        to,
        role: opts.role,
        dir: path.join(homeDir(opts.home), 'data'),
        log: (line) => process.stderr.write(`${line}\n`),
      })
      if (pulled.lineage.rows === 0)
        throw new UserInputError(
          `no labelled rows of ${opts.model} between ${opts.from} and ${opts.to} (${pulled.lineage.captured} captured)`,
        )
      emit(Boolean(opts.json), pulled, (p) =>
        [
          `data version ${p.file}`,
          `${p.lineage.rows.toLocaleString('en-US')} labelled rows of ${p.lineage.captured.toLocaleString('en-US')} captured (${((p.lineage.labelCoverage ?? 0) * 100).toFixed(1)}% label coverage), capture sample rate ${p.lineage.sampleRates.join(', ')}`,
          `train on it: tarmac train --data ${p.file} --train-weeks 4`,
        ].join('\n'),
      )
    })
}
