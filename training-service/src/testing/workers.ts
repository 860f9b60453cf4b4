import { type ChildProcess, spawn } from 'node:child_process'
import { TARMAC_BIN } from './cli.ts'

/** One `tarmac worker` process started by a test or bench, with what it printed so far. */
export interface WorkerProcess {
  child: ChildProcess
  output(): string
  /** resolves once the output matches */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>
  /** SIGTERM (graceful) or SIGKILL, then waits for the exit */
  stop(signal?: NodeJS.Signals): Promise<void>
}

export function spawnWorker(args: string[]): WorkerProcess {
  const child = spawn(process.execPath, [TARMAC_BIN, 'worker', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
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
            reject(new Error(`worker exited (${child.exitCode}) before printing ${pattern}:\n${text}`))
          }
        }
        const timer = setTimeout(() => {
          cleanup()
          reject(new Error(`worker did not print ${pattern} within ${timeoutMs} ms:\n${text}`))
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
