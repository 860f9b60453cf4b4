import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { Command } from 'commander'
import { UserInputError } from '../errors.ts'
import { openHome } from '../home.ts'
import { createLogger } from '../logging.ts'
import { collectReport } from '../report/collect.ts'
import { reportBlocks, toHtml, toMarkdown } from '../report/render.ts'
import { emit } from './output.ts'

interface ReportFlags {
  experiment: string
  format: string
  out?: string
  home?: string
  logLevel?: string
  json?: boolean
}

/** `tarmac runs report`: added to the `runs` command, which must be registered first. */
export function registerReportCommand(program: Command): void {
  const runs = program.commands.find((c) => c.name() === 'runs')
  if (!runs) throw new Error('register the runs command before its report subcommand')
  runs
    .command('report')
    .description('an experiment as Markdown (SVG charts beside it) or one HTML page: params, metrics, curves, choice, registry')
    .option('--experiment <name>', 'experiment to report on', 'flight-delay')
    .option('--format <format>', 'md or html', 'md')
    .option('--out <file>', 'report file (default: ./<experiment>-report.<format>)')
    .option('--home <dir>', 'state folder (default: $TARMAC_HOME or ./.tarmac)')
    .option('--log-level <level>', 'stderr log level (default: $TARMAC_LOG_LEVEL or info)')
    .option('--json', 'print machine-readable JSON')
    .action(async (flags: ReportFlags) => {
      if (flags.format !== 'md' && flags.format !== 'html') throw new UserInputError(`--format must be md or html, got "${flags.format}"`)
      const out = path.resolve(flags.out ?? `${flags.experiment}-report.${flags.format}`)
      const home = await openHome(flags.home)
      try {
        const log = createLogger({ home: home.root, level: flags.logLevel, bindings: { cmd: 'runs report', experiment: flags.experiment } })
        const blocks = reportBlocks(await collectReport(home.db, flags.experiment))
        await mkdir(path.dirname(out), { recursive: true })
        const files = [out]
        if (flags.format === 'html') await writeFile(out, toHtml(blocks, `Experiment report: ${flags.experiment}`))
        else {
          const base = path.basename(out, path.extname(out))
          const chartFile = (id: string) => `${base}-${id}.svg`
          for (const b of blocks) {
            if (b.kind !== 'chart') continue
            await writeFile(path.join(path.dirname(out), chartFile(b.id)), `${b.svg}\n`)
            files.push(path.join(path.dirname(out), chartFile(b.id)))
          }
          await writeFile(out, toMarkdown(blocks, chartFile))
        }
        log.info({ out, files: files.length }, 'report written')
        emit(Boolean(flags.json), { experiment: flags.experiment, format: flags.format, files }, (v) => `wrote ${v.files.join(', ')}`)
      } finally {
        await home.close()
      }
    })
}
