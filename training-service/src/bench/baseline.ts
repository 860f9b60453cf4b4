import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { cp, mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { UserInputError } from '../errors.ts'

/** The two versions the baseline's own CLI trains: small, since only their load is measured, not their quality. */
const BASELINE_TRAIN = ['train', '--rows', '20000', '--epochs', '1']
const BASELINE_SEEDS = ['7', '8']
const READY = '.bench-baseline-ready'

function run(command: string, args: string[], cwd: string, what: string): string {
  const r = spawnSync(command, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`${what} failed (${command} ${args.join(' ')} in ${cwd}: ${r.error?.message ?? `exit ${r.status}`})`)
  return r.stdout.trim()
}

/**
 * The edge bench's baseline built from a commit of this repository, so the figures it is compared with come from a
 * command too: a local clone at the commit, its own dependencies (`npm ci`), and two versions trained and registered by
 * its own CLI (in the model format that commit wrote). Built once under `cacheDir`; each bench gets a copy of its
 * state folder, since publishing writes to it.
 */
export async function baselineFromCommit(
  root: string,
  rev: string,
  cacheDir: string,
  log: (line: string) => void,
): Promise<{ root: string; home: string; version: number }> {
  const resolved = spawnSync('git', ['-C', root, 'rev-parse', '--verify', '--quiet', `${rev}^{commit}`], { encoding: 'utf8' })
  if (resolved.status !== 0) throw new UserInputError(`--baseline-commit: "${rev}" is not a commit of ${root}`)
  const sha = resolved.stdout.trim()
  const dir = path.join(cacheDir, sha.slice(0, 12))
  const home = path.join(dir, '.tarmac')
  if (!existsSync(path.join(dir, '.git'))) {
    await mkdir(cacheDir, { recursive: true })
    log(`baseline ${sha.slice(0, 12)}: clone into ${dir}`)
    run('git', ['clone', '--quiet', '--no-checkout', root, dir], cacheDir, 'cloning the baseline')
    run('git', ['-C', dir, 'checkout', '--quiet', '--detach', sha], dir, 'checking out the baseline')
  }
  if (!existsSync(path.join(dir, 'node_modules', '.bin', 'wrangler'))) {
    log(`baseline ${sha.slice(0, 12)}: npm ci`)
    run('npm', ['ci', '--no-audit', '--no-fund'], dir, "installing the baseline's dependencies")
  }
  if (!existsSync(path.join(home, READY))) {
    for (const seed of BASELINE_SEEDS) {
      log(`baseline ${sha.slice(0, 12)}: tarmac ${BASELINE_TRAIN.join(' ')} --seed ${seed}`)
      run('npx', ['tarmac', ...BASELINE_TRAIN, '--seed', seed, '--home', home, '--json'], dir, 'training the baseline model')
    }
    await writeFile(path.join(home, READY), `${BASELINE_TRAIN.join(' ')}, seeds ${BASELINE_SEEDS.join(' ')}\n`)
  }
  const copy = await mkdtemp(path.join(tmpdir(), 'tarmac-bench-baseline-'))
  await cp(home, copy, { recursive: true })
  return { root: dir, home: copy, version: BASELINE_SEEDS.length }
}
