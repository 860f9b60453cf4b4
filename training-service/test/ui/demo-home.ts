import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { runTarmac } from '../../src/testing/cli.ts'
import { writeSmallTrainingSet } from '../flights-sample.ts'

/** What the demo home holds, for the browser tests to check and the screenshots to show. */
export type DemoHome = { home: string; model: string; firstRunId: string; secondRunId: string }

export const DEMO_MODEL = 'flight-delay'
export const ROLLBACK_REASON = 'v2 loses AUC on the April canary: back to v1'

/**
 * A Tarmac home made the way a user makes one, through the real CLI on real flights: two small sweeps of two
 * MLP trials each (two registered versions, 3 and 5 epochs), v1 promoted through the gates, v2 promoted with
 * --force, then rolled back with a reason. Training is seeded, so the metrics and gate outcomes repeat.
 */
export async function buildDemoHome(dir: string, log: (line: string) => void = () => {}): Promise<DemoHome> {
  const home = path.join(dir, 'home')
  const { TARMAC_ADMIN_KEY: _key, TARMAC_DEBUG: _debug, TARMAC_DATABASE_URL: _db, ...rest } = process.env
  const env = { ...rest, TARMAC_HOME: home }
  const tarmac = async (...args: string[]) => {
    log(`tarmac ${args.join(' ')}`)
    const result = await runTarmac(args, env)
    if (result.code !== 0) throw new Error(`tarmac ${args.join(' ')} exited ${result.code}: ${result.stderr}`)
    return result.stdout
  }
  const sweep = path.join(dir, 'sweep.json')
  await writeFile(
    sweep,
    JSON.stringify({ base: { family: 'mlp', learningRate: 0.03, batchSize: 512 }, grid: { hidden: [[16], [32, 16]] } }),
  )
  const { data, windows } = await writeSmallTrainingSet(dir, 60_000, 8_000)
  const train = async (epochs: number) => {
    const args = ['train', '--data', data, '--windows', windows, '--sweep', sweep, '--rows', '20000', '--epochs', String(epochs)]
    return JSON.parse(await tarmac(...args, '--concurrency', '2', '--json')) as { runId: string; version: number }
  }
  // an alias move as a person makes it: who, why, and any gate override
  const promote = (version: number, actor: string, reason: string, ...flags: string[]) =>
    tarmac('models', 'promote', DEMO_MODEL, String(version), ...flags, '--actor', actor, '--reason', reason)
  const first = await train(3)
  // four days of January calibrate worse than the default ECE budget allows: the promotion says so
  await promote(
    first.version,
    'alice',
    'first model: beats the route-hour baseline (ECE budget 0.1 for four days of data)',
    '--max-ece',
    '0.1',
  )
  const second = await train(5)
  await promote(second.version, 'alice', 'five epochs: try it on the canary', '--force')
  await tarmac('models', 'rollback', DEMO_MODEL, '--actor', 'bob', '--reason', ROLLBACK_REASON)
  return { home, model: DEMO_MODEL, firstRunId: first.runId, secondRunId: second.runId }
}
