import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { createConnection } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { freePort } from '../free-port.ts'

/** A private redis-server for tests and benches: loopback only, its own port and folder, killed by its own handle. */
export interface RedisServer {
  url: string
  port: number
  dir: string
  pid(): number | undefined
  /** a graceful shutdown (the append-only file is flushed) and a start on the same port and folder */
  restart(): Promise<void>
  /** a graceful shutdown that keeps the folder: `start` brings the same server back */
  shutdown(): Promise<void>
  start(): Promise<void>
  stop(): Promise<void>
}

export const REDIS_SERVER = process.env.TARMAC_REDIS_SERVER ?? '/usr/bin/redis-server'

/** PING over a raw socket until +PONG, so the helper needs no client library. */
async function waitForPong(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode}`)
    const pong = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port }, () => socket.write('PING\r\n'))
      socket.setTimeout(500, () => socket.destroy())
      socket.once('data', (d) => {
        socket.destroy()
        resolve(d.toString().startsWith('+PONG'))
      })
      socket.once('error', () => resolve(false))
      socket.once('close', () => resolve(false))
    })
    if (pong) return
    await sleep(50)
  }
  throw new Error(`redis-server on port ${port} did not answer PING within ${timeoutMs} ms`)
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', () => r()))
}

/** Starts redis-server with `--appendonly yes` (unless asked otherwise) in a fresh temp folder. */
export async function startRedisServer(options: { appendonly?: boolean } = {}): Promise<RedisServer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tarmac-redis-'))
  const port = await freePort()
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--appendonly',
    options.appendonly === false ? 'no' : 'yes',
    '--save',
    '',
    '--protected-mode',
    'yes',
    '--daemonize',
    'no',
    '--loglevel',
    'warning',
  ]
  let child: ChildProcess
  let output = ''
  const launch = async () => {
    child = spawn(REDIS_SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    child.stdout?.on('data', (d) => (output += d))
    child.stderr?.on('data', (d) => (output += d))
    child.once('error', () => {})
    try {
      await waitForPong(port, child, 10_000)
    } catch (error) {
      child.kill('SIGKILL')
      throw new Error(`${(error as Error).message}\n${output.trim()}`)
    }
  }
  await launch()
  const stopChild = async () => {
    child.kill('SIGTERM')
    await exited(child)
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    pid: () => child.pid,
    async restart() {
      await stopChild()
      await launch()
    },
    shutdown: stopChild,
    start: launch,
    async stop() {
      await stopChild()
      await rm(dir, { recursive: true, force: true })
    },
  }
}
