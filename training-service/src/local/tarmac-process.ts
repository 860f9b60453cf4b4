import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** The repository root: where the CLI runs from in tests and benches, as a user's checkout. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url))
export const TARMAC_BIN = fileURLToPath(new URL('../../bin/tarmac.mjs', import.meta.url))

/** A `tarmac` process started by a test or bench (a worker, a run to kill), with what it printed so far. */
export interface TarmacProcess {
  child: ChildProcess
  output(): string
  /** resolves once the output matches */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>
  /** SIGTERM (graceful) or SIGKILL, then waits for the exit */
  stop(signal?: NodeJS.Signals): Promise<void>
}

/** The real CLI in the background, run like runTarmac (from the repository root, with `env`). */
export function spawnTarmac(args: string[], env: NodeJS.ProcessEnv = process.env): TarmacProcess {
  const child = spawn(process.execPath, [TARMAC_BIN, ...args], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
  let text = ''
  const waiters = new Set<() => void>()
  const append = (d: Buffer) => {
    text += d
    for (const w of waiters) w()
  }
  child.stdout?.on('data', append)
  child.stderr?.on('data', append)
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  return {
    child,
    output: () => text,
    waitFor(pattern, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (pattern.test(text)) {
            cleanup()
            resolve()
          } else if (child.exitCode !== null) {
            cleanup()
            reject(new Error(`tarmac ${args[0]} exited (${child.exitCode}) before printing ${pattern}:\n${text}`))
          }
        }
        const timer = setTimeout(() => {
          cleanup()
          reject(new Error(`tarmac ${args[0]} did not print ${pattern} within ${timeoutMs} ms:\n${text}`))
        }, timeoutMs)
        const cleanup = () => {
          clearTimeout(timer)
          waiters.delete(check)
        }
        waiters.add(check)
        child.once('exit', check)
        check()
      })
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      await exited
    },
  }
}
