import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { manifestSchema } from '@tarmac/sdk/manifest'
import * as ort from 'onnxruntime-node'
import { beforeAll, describe, expect, it } from 'vitest'
import { writeSmallTrainingSet } from '../../test/flights-sample.ts'
import { spawnTarmac } from '../local/tarmac-process.ts'

const root = fileURLToPath(new URL('../../..', import.meta.url))
let home: string
let dataFile: string
let windowsFile: string

function tarmac(...args: string[]) {
  const r = spawnSync(process.execPath, [path.join(root, 'training-service/bin/tarmac.mjs'), ...args], {
    cwd: root,
    env: { ...process.env, TARMAC_HOME: home },
    encoding: 'utf8',
    timeout: 240_000,
  })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, json: () => JSON.parse(r.stdout) }
}

let sweepFile: string
const small = (sweep = sweepFile, concurrency = 2) => [
  'train',
  '--data',
  dataFile,
  '--windows',
  windowsFile,
  '--sweep',
  sweep,
  '--rows',
  '20000',
  '--concurrency',
  String(concurrency),
  '--json',
]

beforeAll(async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'tarmac-train-'))
  home = path.join(dir, 'home')
  sweepFile = path.join(dir, 'sweep.json')
  await writeFile(
    sweepFile,
    JSON.stringify({ base: { family: 'mlp', learningRate: 0.01, batchSize: 512 }, grid: { hidden: [[16], [32, 16]] } }),
  )
  // Real rows: the first ~4 days of January to train on, ~half a day of early March to validate on.
  ;({ data: dataFile, windows: windowsFile } = await writeSmallTrainingSet(dir, 60_000, 8_000))
}, 60_000)

describe('tarmac train', () => {
  it('trains, verifies and registers; a second run is fully cached; a new hyperparameter re-runs train onwards', async () => {
    const first = tarmac(...small(), '--epochs', '4')
    expect(first.stderr).not.toMatch(/internal error/)
    expect(first.status).toBe(0)
    const a = first.json()
    expect(a.version).toBe(1)
    expect(a.steps.map((s: { status: string }) => s.status)).toEqual(Array(8).fill('ran'))
    // three partial weeks of training data: the model must have learned something, on the slice nothing tuned on;
    // beating the baseline is shown on the real windows (docs/problem.md), where the encoder has two months of history
    expect(a.metrics.report_auc).toBeGreaterThan(0.57)
    expect(a.metrics.baseline_auc).toBeGreaterThan(0.55)
    expect(a.metrics.report_rows).toBeGreaterThan(7000)
    expect(first.stderr).toMatch(/trial 2\/2 mlp epoch 4/)

    const again = tarmac(...small(), '--epochs', '4').json()
    expect(again.version).toBe(1)
    expect(again.steps.map((s: { status: string }) => s.status)).toEqual(Array(8).fill('cached'))

    const changed = tarmac(...small(), '--epochs', '5').json()
    expect(Object.fromEntries(changed.steps.map((s: { name: string; status: string }) => [s.name, s.status]))).toEqual({
      ingest: 'cached',
      baseline: 'cached',
      featurize: 'cached',
      train: 'ran',
      evaluate: 'ran',
      export: 'ran',
      verify: 'ran',
      register: 'ran',
    })
    expect(changed.version).toBe(2)

    // The registered artifacts: a valid manifest naming blobs whose bytes match, loadable by an independent runtime.
    const manifest = manifestSchema.parse(
      JSON.parse(await readFile(path.join(home, 'artifacts/models/flight-delay/2/manifest.json'), 'utf8')),
    )
    expect(manifest.version).toBe(2)
    for (const file of [manifest.files.fp32, manifest.files.int8]) {
      const bytes = await readFile(path.join(home, 'artifacts', file.key))
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(file.sha256)
      expect(bytes.byteLength).toBe(file.size)
      const session = await ort.InferenceSession.create(bytes)
      expect(session.inputNames).toEqual(manifest.inputs.map((i) => i.name))
      await session.release()
    }
    expect(manifest.files.int8.size).toBeLessThan(manifest.files.fp32.size / 2)
    expect(manifest.parity.fp32_max_abs_diff_ort_node).toBeLessThanOrEqual(1e-5)

    // `tarmac export` writes the files (the encoder's global tables and one shard per origin) and re-measures the
    // stored parity from the manifest alone
    const out = path.join(home, 'exported')
    const exported = tarmac('export', 'flight-delay', '2', '--data', dataFile, '--windows', windowsFile, '--out', out, '--json')
    expect(exported.status).toBe(0)
    const shards = Object.keys(manifest.files.shards).map((origin) => `encoder.${origin}.bin`)
    expect(shards.length).toBeGreaterThan(1)
    expect(exported.json()).toMatchObject({
      files: ['model.onnx', 'model.int8.onnx', 'encoder.bin', ...shards, 'manifest.json'],
      reproduction: { matches: true },
    })
    expect(
      createHash('sha256')
        .update(await readFile(path.join(out, 'model.int8.onnx')))
        .digest('hex'),
    ).toBe(manifest.files.int8.sha256)
  }, 600_000)

  it('keeps the trials that finished when the process dies mid-sweep: the next run trains only the rest', async () => {
    const sweep = path.join(path.dirname(sweepFile), 'sweep-killed.json')
    const base = { family: 'mlp', learningRate: 0.01, batchSize: 512, epochs: 1 }
    // the last trial trains long enough to be killed in the middle of it
    await writeFile(sweep, JSON.stringify({ base, trials: [{ hidden: [8] }, { hidden: [12] }, { hidden: [16], epochs: 8 }] }))
    // one trial at a time, so trials 1 and 2 are done when trial 3 starts
    const args = small(sweep, 1)
    const run = spawnTarmac(args, { ...process.env, TARMAC_HOME: home })
    await run.waitFor(/trial 3\/3 mlp epoch 1:/, 120_000)
    // stop() waits for the exit: the killed process is reaped before --resume looks for it
    await run.stop('SIGKILL')
    const stderr = run.output()
    expect(stderr).toMatch(/trial 2\/3 checkpointed/)

    const killed = /run (\S+) in experiment/.exec(stderr)![1]

    // the killed run is still marked running; --resume finds its process gone, marks it failed and resumes it
    const rerun = tarmac('train', '--resume', killed, '--json')
    expect(rerun.status, rerun.stderr).toBe(0)
    expect(rerun.stderr).toMatch(new RegExp(`run ${killed} was still marked running but its process \\d+ is gone: marked failed`))
    expect(rerun.stderr).toMatch(/2 of 3 trials finished in an earlier attempt: taken from its checkpoints/)
    expect(rerun.stderr).not.toMatch(/trial [12]\/3 mlp epoch/)
    expect(rerun.stderr).toMatch(/trial 3\/3 mlp epoch 1:[\s\S]*trial 3\/3 checkpointed/)
    expect(rerun.json().trials.map((t: { status: string }) => t.status)).toEqual(['finished', 'finished', 'finished'])
    const old = tarmac('runs', 'show', killed, '--json').json()
    expect(old).toMatchObject({ status: 'failed', error: expect.stringMatching(/^process \d+ on \S+ ended before the run did$/) })
  }, 240_000)

  it('refuses bad input with one line and exit code 2', () => {
    const cases: [string[], RegExp][] = [
      [['train', '--epochs', '-3'], /--epochs must be a positive whole number/],
      [['train', '--data', '/nonexistent/flights.csv'], /flights\.csv: no such file/],
      [['train', '--sweep', windowsFile], /windows\.json: (train|base|\(root\))/],
    ]
    for (const [args, message] of cases) {
      const r = tarmac(...args)
      expect(r.status, args.join(' ')).toBe(2)
      expect(r.stderr.trim().split('\n').at(-1)).toMatch(message)
      expect(r.stderr).not.toMatch(/\n\s+at /)
    }
  }, 120_000)
})
