import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { freePort } from '../free-port.ts'

/**
 * A throwaway, real Postgres server on a free loopback port, with its data in a temp folder; `tarmac doctor`
 * looks for the same binaries. Started once per test run by testing/postgres-setup.ts (a vitest globalSetup);
 * each test file or test then takes a fresh database from it with createTestDatabase(). Debian's `postgresql` package provides the binaries
 * (.ci/run installs it). Postgres refuses to run as root, so as root it runs as the `postgres` OS user.
 */

export const POSTGRES_BIN = process.env.TARMAC_POSTGRES_BIN ?? '/usr/lib/postgresql/15/bin'

export type TestPostgres = {
  /** superuser URL of the server's `postgres` database (no password: trust authentication on loopback) */
  url: string
  stop(): Promise<void>
}

export const postgresAvailable = () => existsSync(path.join(POSTGRES_BIN, 'postgres'))

export async function startTestPostgres(): Promise<TestPostgres> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tarmac-pg-'))
  const data = path.join(dir, 'data')
  const asRoot = process.getuid?.() === 0
  // as root, run the server as the postgres user, which must own the folder
  const command = (bin: string, args: string[]): [string, string[]] =>
    asRoot ? ['runuser', ['-u', 'postgres', '--', path.join(POSTGRES_BIN, bin), ...args]] : [path.join(POSTGRES_BIN, bin), args]
  if (asRoot) {
    const [uid, gid] = ['-u', '-g'].map((flag) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim()))
    chownSync(dir, uid, gid)
  }
  execFileSync(...command('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync', '--no-instructions']), {
    stdio: 'pipe',
  })
  const port = await freePort()
  // durability off: a test server is thrown away, and fsyncs would dominate the run time
  const settings = ['fsync=off', 'synchronous_commit=off', 'full_page_writes=off', 'max_connections=200', 'log_min_messages=fatal']
  const [bin, args] = command('postgres', [
    '-D',
    data,
    '-p',
    String(port),
    '-k',
    dir,
    '-h',
    '127.0.0.1',
    ...settings.flatMap((s) => ['-c', s]),
  ])
  const server: ChildProcess = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  server.stderr?.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-2000)
  })
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()))
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`
  const stop = async () => {
    // SIGINT is Postgres's fast shutdown; signal the postmaster itself, not runuser in front of it
    const pid = Number(readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0])
    if (server.exitCode === null) {
      try {
        process.kill(pid || server.pid!, 'SIGINT')
      } catch {}
      await Promise.race([exited, sleep(10_000)])
    }
    rmSync(dir, { recursive: true, force: true })
  }
  for (let attempt = 0; ; attempt++) {
    const client = new pg.Client({ connectionString: url })
    try {
      await client.connect()
      await client.end()
      return { url, stop }
    } catch {
      await client.end().catch(() => {})
      if (server.exitCode !== null || attempt > 150) {
        server.kill('SIGKILL')
        rmSync(dir, { recursive: true, force: true })
        throw new Error(`the test Postgres server did not start: ${stderr.trim().split('\n').at(-1) ?? 'no output'}`)
      }
      await sleep(100)
    }
  }
}

/** Creates an empty database on the test server and returns its URL. */
export async function createTestDatabase(serverUrl: string, prefix = 'tarmac_test'): Promise<string> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`
  const client = new pg.Client({ connectionString: serverUrl })
  await client.connect()
  try {
    await client.query(`create database "${name}"`)
  } finally {
    await client.end()
  }
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  return url.toString()
}
