import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { readdirSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import type { Command } from 'commander'
import { UserInputError } from '../errors.ts'
import { freePort } from '../free-port.ts'
import { homeDir } from '../home.ts'
import { startLocalWorker } from '../local/edge-worker.ts'

const ROOT = fileURLToPath(new URL('../../..', import.meta.url))

/** The newest Worker state a `tarmac start` left behind. */
function latestEdgeState(home: string): string {
  const dir = path.join(home, 'edge-state')
  let runs: string[] = []
  try {
    runs = readdirSync(dir).filter((d) => /^\d+$/.test(d))
  } catch {}
  if (runs.length === 0) throw new UserInputError(`no Worker state under ${dir}: run \`npm start\` first`)
  return path.join(dir, runs.sort((a, b) => Number(b) - Number(a))[0])
}

export function registerDashboardCommand(program: Command): void {
  program
    .command('dashboard')
    .description('serve the monitoring page over the Worker state the last `tarmac start` left (until Ctrl-C)')
    .option('--model <name>', 'model to show', 'flight-delay')
    .option('--home <dir>', 'state folder (default: $TARMAC_HOME or ./.tarmac)')
    .action(async (flags: { model: string; home?: string }) => {
      const state = latestEdgeState(homeDir(flags.home))
      const vite = path.join(ROOT, 'node_modules', '.bin', 'vite')
      const web = path.join(ROOT, 'web-client')
      process.stderr.write('building the web client…\n')
      await promisify(execFile)(vite, ['build'], { cwd: web })
      const port = await freePort()
      const origin = `http://127.0.0.1:${port}`
      const worker = await startLocalWorker({
        root: ROOT,
        persistDir: state,
        vars: { CORS_ORIGINS: origin },
        log: (l) => process.stderr.write(`${l}\n`),
      })
      const preview: ChildProcess = spawn(vite, ['preview', '--host', '127.0.0.1', '--port', String(port), '--strictPort'], {
        cwd: web,
        stdio: 'ignore',
      })
      const url = `${origin}/monitor.html?endpoint=${encodeURIComponent(worker.url)}&model=${encodeURIComponent(flags.model)}`
      process.stdout.write(`dashboard: ${url}\n(Ctrl-C to stop)\n`)
      await new Promise<void>((resolve) => {
        const stop = () => resolve()
        process.once('SIGINT', stop)
        process.once('SIGTERM', stop)
      })
      preview.kill()
      await worker.stop()
    })
}
