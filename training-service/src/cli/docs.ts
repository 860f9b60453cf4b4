import type { Command } from 'commander'
import { DATA_FILES, staleBlocks, writeDocNumbers } from '../docs/numbers.ts'
import { emit } from './output.ts'

/** `tarmac docs`: renders the marked blocks of README and docs/ from the committed report data (docs/data). */
export function registerDocsCommand(program: Command): void {
  program
    .command('docs')
    .description(
      `rewrite the <!-- tarmac:NAME --> blocks of README.md and docs/*.md from ${Object.values(DATA_FILES).join(' and ')} (written by \`tarmac train --record\` and \`tarmac train --ablate --record\`)`,
    )
    .option('--root <dir>', 'repository root', '.')
    .option('--check', 'change nothing; exit 1 naming every block that differs from its rendering')
    .option('--json', 'print machine-readable JSON')
    .action(async (flags: { root: string; check?: boolean; json?: boolean }) => {
      if (flags.check) {
        const stale = await staleBlocks(flags.root)
        if (stale.length > 0) {
          process.stderr.write(`tarmac: stale blocks (run npm run docs:numbers): ${stale.map((s) => `${s.file} ${s.block}`).join(', ')}\n`)
          process.exitCode = 1
          return
        }
        emit(Boolean(flags.json), { stale }, () => 'every marked block matches the committed report data')
        return
      }
      const changed = await writeDocNumbers(flags.root)
      emit(Boolean(flags.json), { changed }, (v) => (v.changed.length ? `rewrote ${v.changed.join(', ')}` : 'nothing to change'))
    })
}
