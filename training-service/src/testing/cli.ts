import { execFile } from 'node:child_process'
import { REPO_ROOT, TARMAC_BIN } from '../local/tarmac-process.ts'

export type CliResult = { code: number; stdout: string; stderr: string; seconds: number }

/**
 * The real `tarmac` CLI in a child process, as users run it (commander parsing, exit codes, stderr), with
 * exactly `env`: callers drop variables such as TARMAC_DEBUG that would change what it prints.
 */
export function runTarmac(args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  const started = performance.now()
  return new Promise((resolve) => {
    execFile(process.execPath, [TARMAC_BIN, ...args], { cwd: REPO_ROOT, env }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr, seconds: (performance.now() - started) / 1000 }),
    )
  })
}
