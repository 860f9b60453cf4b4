import type { Command } from 'commander'
import { type ApiServer, startApiServer } from '../api/index.ts'
import { UserInputError } from '../errors.ts'
import { openHome } from '../home.ts'
import { type CommonFlags, stateCommand } from './format-command.ts'
import { emit } from './output.ts'

// createApi refuses shorter keys too; checking first lets the message say how to set one
const MIN_KEY_LENGTH = 16

type ServeFlags = CommonFlags & { port: number; host: string; monitorUrl?: string }

function monitorUrl(value: string): string {
  if (!URL.canParse(value) || !/^https?:$/.test(new URL(value).protocol)) {
    throw new UserInputError(`--monitor-url must be an http(s) URL such as the one \`tarmac dashboard\` prints, got "${value}"`)
  }
  return value
}

function port(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UserInputError(`--port must be 0-65535 (0 picks a free port), got "${value}"`)
  return n
}

export function registerServeCommand(program: Command): void {
  stateCommand(
    program,
    'serve',
    'serve the runs, compare and models pages and the tracking and registry HTTP API (admin key from $TARMAC_ADMIN_KEY)',
  )
    .option('--port <n>', 'port to listen on (0 picks a free one)', port, 8790)
    .option('--host <address>', 'address to bind; the loopback default keeps the API on this machine', '127.0.0.1')
    .option(
      '--monitor-url <url>',
      'the monitoring page the models page links each version to ($TARMAC_MONITOR_URL; `tarmac dashboard` prints it)',
      monitorUrl,
    )
    .action(async (flags: ServeFlags) => {
      const adminKey = process.env.TARMAC_ADMIN_KEY ?? ''
      if (adminKey.length < MIN_KEY_LENGTH) {
        throw new UserInputError(
          `serve needs an admin key of at least ${MIN_KEY_LENGTH} characters in TARMAC_ADMIN_KEY, e.g. export TARMAC_ADMIN_KEY=$(openssl rand -hex 24)`,
        )
      }
      const home = await openHome(flags.home)
      let server: ApiServer
      try {
        server = await startApiServer({
          port: flags.port,
          host: flags.host,
          db: home.db,
          adminKey,
          artifactStore: home.store,
          monitorUrl: flags.monitorUrl ?? (process.env.TARMAC_MONITOR_URL ? monitorUrl(process.env.TARMAC_MONITOR_URL) : undefined),
        })
      } catch (error) {
        await home.close()
        if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
          throw new UserInputError(`port ${flags.port} on ${flags.host} is in use: pick another with --port`)
        }
        throw error
      }
      emit(
        Boolean(flags.json),
        { url: server.url, docs: `${server.url}/docs`, models: `${server.url}/models` },
        (s) => `Tarmac API on ${s.url}\ndocs at ${s.docs}\nruns, compare and models pages at ${s.url}/ and ${s.models}`,
      )
      const signal = await new Promise<NodeJS.Signals>((resolve) => {
        // the listeners go after the first signal, so a second Ctrl-C kills a shutdown that hangs
        const stop = (received: NodeJS.Signals) => {
          process.off('SIGINT', stop)
          process.off('SIGTERM', stop)
          resolve(received)
        }
        process.on('SIGINT', stop)
        process.on('SIGTERM', stop)
      })
      await server.close()
      await home.close()
      process.stderr.write(`tarmac: stopped on ${signal}\n`)
    })
}
