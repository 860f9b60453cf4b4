import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Command } from 'commander'
import { benchBatchScoring } from '../batch/bench.ts'
import { resolveModel } from '../batch/model.ts'
import { baselineFromCommit } from '../bench/baseline.ts'
import { benchCapture } from '../bench/capture.ts'
import { benchDrift } from '../bench/drift.ts'
import { benchEdge } from '../bench/edge.ts'
import { benchEncoder } from '../bench/encoder.ts'
import { benchRuntimes, type ModelUnderTest, syntheticModel } from '../bench/runtimes.ts'
import { type BenchSections, SECTIONS } from '../bench/sections.ts'
import { benchStream } from '../bench/stream.ts'
import { benchSweep } from '../bench/sweep.ts'
import { syntheticFlights } from '../bench/synthetic.ts'
import { commandLine, writeRecord } from '../docs/record.ts'
import { TarmacError, UserInputError } from '../errors.ts'
import { type Home, openHome } from '../home.ts'
import { readEncoder, readManifest } from '../publish/edge-client.ts'
import { getModel } from '../registry/versions.ts'

const ROOT = fileURLToPath(new URL('../../..', import.meta.url))
interface BenchFlags {
  only?: string
  smoke?: boolean
  model: string
  home?: string
  baselineCommit?: string
  baselineRoot?: string
  baselineHome?: string
  baselineVersion?: string
  record?: string
}

/** The baseline checkout of the edge section, with its own home when its model format differs. */
async function baselineOf(flags: BenchFlags, home: Home): Promise<{ root: string; home?: string; version?: number } | undefined> {
  if (flags.baselineCommit)
    return baselineFromCommit(ROOT, flags.baselineCommit, path.join(home.root, 'bench-baseline'), (line) =>
      process.stderr.write(`${line}\n`),
    )
  if (!flags.baselineRoot) return undefined
  return {
    root: path.resolve(flags.baselineRoot),
    home: flags.baselineHome && path.resolve(flags.baselineHome),
    version: flags.baselineVersion === undefined ? undefined : Number(flags.baselineVersion),
  }
}

async function latestVersion(home: Home, name: string): Promise<number | null> {
  try {
    const versions = (await getModel(home.db, name)).versions
    return versions.length ? Math.max(...versions.map((v) => v.version)) : null
  } catch (e) {
    if (e instanceof TarmacError && e.code === 'not_found') return null
    throw e
  }
}

async function registeredModel(home: Home, name: string, version: number): Promise<ModelUnderTest> {
  const manifest = await readManifest(home.store, name, version)
  const [fp32, int8] = await Promise.all([home.store.get(manifest.files.fp32.key), home.store.get(manifest.files.int8.key)])
  if (!fp32 || !int8) throw new UserInputError(`the files of ${name}@${version} are missing from the artifact store`)
  return {
    label: `${name}@${version} (${manifest.family})`,
    fp32,
    int8,
    encoder: await readEncoder(home.store, manifest),
    flights: syntheticFlights(2000, 5).flights,
    manifest,
  }
}

export function registerBenchCommand(program: Command): void {
  program
    .command('bench')
    .description('speed and size figures, each against a baseline measured in the same run (127.0.0.1 only, bounded in time)')
    .option('--only <sections>', `comma list of ${SECTIONS.join(', ')}`)
    .option('--smoke', 'short runs: checks the benches work, figures are rough')
    .option('--model <name>', 'registered model to measure', 'flight-delay')
    .option('--home <dir>', 'state folder (default: $TARMAC_HOME or ./.tarmac)')
    .option(
      '--baseline-commit <rev>',
      'edge: build the baseline from a commit of this repository (a clone with its own npm ci and two small models its CLI trains; kept under <home>/bench-baseline)',
    )
    .option(
      '--baseline-root <dir>',
      "edge: another checkout (with node_modules) whose Worker's cold model load is measured beside this one's",
    )
    .option(
      '--baseline-home <dir>',
      "edge: the baseline's own state folder (a copy: it is written to), published with the baseline's CLI — for a baseline whose manifest format differs",
    )
    .option(
      '--baseline-version <n>',
      "edge: the version of the baseline's home to publish (the one before it is the second model); default: this home's",
    )
    .option('--record <file>', "also write each section's lines, the command and the machine to this JSON file (docs/data/bench.json)")
    .action(async (flags: BenchFlags) => {
      const only = flags.only ? flags.only.split(',').map((s) => s.trim()) : [...SECTIONS]
      const unknown = only.filter((s) => !(SECTIONS as readonly string[]).includes(s))
      if (unknown.length) throw new UserInputError(`--only: unknown section ${unknown.join(', ')} (choose from ${SECTIONS.join(', ')})`)
      const smoke = Boolean(flags.smoke)
      if (flags.baselineRoot && !existsSync(path.join(flags.baselineRoot, 'node_modules', '.bin', 'wrangler')))
        throw new UserInputError(`--baseline-root: ${flags.baselineRoot} is not a checkout with its node_modules installed`)
      if (flags.baselineCommit && (flags.baselineRoot || flags.baselineHome || flags.baselineVersion !== undefined))
        throw new UserInputError(
          '--baseline-commit: builds its own baseline; leave out --baseline-root, --baseline-home and --baseline-version',
        )
      if (flags.baselineHome && !flags.baselineRoot) throw new UserInputError('--baseline-home: needs --baseline-root')
      if (flags.baselineVersion !== undefined && !(Number.isInteger(Number(flags.baselineVersion)) && Number(flags.baselineVersion) >= 2))
        throw new UserInputError(
          `--baseline-version: expected a version of 2 or more (the one before it is published too), got '${flags.baselineVersion}'`,
        )
      if (flags.baselineVersion !== undefined && !flags.baselineHome) throw new UserInputError('--baseline-version: needs --baseline-home')
      const home = await openHome(flags.home)
      const started = performance.now()
      const sections: BenchSections = {}
      const print = (section: keyof BenchSections) => (lines: string[]) => {
        sections[section] = lines
        process.stdout.write(`${lines.join('\n')}\n\n`)
      }
      let baseline: Awaited<ReturnType<typeof baselineOf>>
      try {
        // built (or found) first: a commit that cannot be one fails before anything is measured
        baseline = only.includes('edge') ? await baselineOf(flags, home) : undefined
        const version = await latestVersion(home, flags.model)
        if (only.includes('sweep')) print('sweep')(await benchSweep(smoke ? 5_000 : 100_000))
        if (only.includes('encoder')) print('encoder')(await benchEncoder(smoke ? 2 : 10, smoke ? 20_000 : 100_000, smoke ? 1 : 2))
        if (only.includes('runtimes'))
          print('runtimes')(
            await benchRuntimes(version ? await registeredModel(home, flags.model, version) : syntheticModel(), smoke ? 200 : 2_000),
          )
        if (only.includes('drift')) print('drift')(benchDrift(smoke ? 1_000_000 : 10_000_000))
        if (only.includes('batch'))
          print('batch')(
            await benchBatchScoring(
              smoke ? 20_000 : 1_000_000,
              version ? await resolveModel(home, { name: flags.model, selector: version }) : undefined,
            ),
          )
        if (only.includes('edge')) {
          print('edge')(
            version
              ? await benchEdge(home, ROOT, flags.model, version, smoke ? 2 : 10, baseline)
              : ['edge: skipped — no registered model (run `npm start` or `npx tarmac train` first)'],
          )
        }
        if (only.includes('capture')) {
          print('capture')(
            version
              ? await benchCapture(home, ROOT, flags.model, version, smoke ? 20_000 : 1_000_000, smoke ? 4 : 20)
              : ['capture: skipped — no registered model (run `npm start` or `npx tarmac train` first)'],
          )
        }
        if (only.includes('stream')) {
          print('stream')(
            version
              ? await benchStream(home, ROOT, flags.model, version, smoke ? 1_000 : 10_000)
              : ['stream: skipped — no registered model (run `npm start` or `npx tarmac train` first)'],
          )
        }
        if (only.includes('browser')) {
          // its own process (Chromium through playwright-core); what it prints is the section
          const r = spawnSync(
            process.execPath,
            ['--import', 'tsx', path.join(ROOT, 'web-client', 'bench.ts'), ...(smoke ? ['--smoke'] : [])],
            { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' },
          )
          const lines = r.stdout.trimEnd().split('\n')
          print('browser')(r.status === 0 ? lines : [...lines, `browser bench exited with ${r.status}`])
        }
        if (flags.record) await writeRecord(flags.record, commandLine(), started, sections)
      } finally {
        // the copy of a commit baseline's state folder this run published from
        if (flags.baselineCommit && baseline?.home) await rm(baseline.home, { recursive: true, force: true })
        await home.close()
      }
    })
}
