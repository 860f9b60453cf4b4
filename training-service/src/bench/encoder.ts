import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { gzipSync } from 'node:zlib'
import { type EncoderSpec, encodeFlights, fitEncoder, servingEncoder, tableSizes } from '@tarmac/sdk/features'
import { sha256Hex } from '@tarmac/sdk/manifest'
import { loadDataset } from '../data/dataset.ts'
import { defaultDataPath } from '../data/source.ts'
import { exportEncoderTables } from '../export/bundle.ts'
import { flightsOf, labelledIndex, labelsOf } from '../train/features.ts'
import { fmt, median, row } from './stats.ts'

/** Median ms of `fn` over `runs` calls. */
async function ms(fn: () => unknown, runs: number): Promise<number> {
  const times: number[] = []
  for (let i = 0; i < runs; i++) {
    const t = performance.now()
    await fn()
    times.push(performance.now() - t)
  }
  return median(times)
}

/**
 * The encoder of the reference problem (fitted on the real training window, as `tarmac train` fits it): bytes of
 * today's JSON tables against the binary blob, load time of each as the Worker loads it (parse / hash + open),
 * and the parity of both on the validation slice, bit for bit.
 */
export async function benchEncoder(runs: number): Promise<string[]> {
  const quarantineDir = await mkdtemp(path.join(tmpdir(), 'tarmac-bench-encoder-'))
  try {
    const ds = await loadDataset(defaultDataPath(), { quarantineDir })
    const trainIndex = labelledIndex(ds.splits.train)
    const { spec } = fitEncoder(flightsOf(ds.splits.train, trainIndex), labelsOf(ds.splits.train, trainIndex))
    return await compare(spec, flightsOf(ds.splits.validate, labelledIndex(ds.splits.validate)), runs)
  } finally {
    await rm(quarantineDir, { recursive: true, force: true })
  }
}

async function compare(spec: EncoderSpec, validate: ReturnType<typeof flightsOf>, runs: number): Promise<string[]> {
  const json = new TextEncoder().encode(JSON.stringify(spec))
  const blob = exportEncoderTables(spec)
  const { cells, ...params } = spec
  const meta = { ...params, cells: tableSizes(cells) }
  const metaJson = new TextEncoder().encode(JSON.stringify(meta))
  const gz = (b: Uint8Array) => gzipSync(b, { level: 9 }).length
  const before = { raw: json.length, gzip: gz(json) }
  const after = { raw: blob.length + metaJson.length, gzip: gz(blob) + gz(metaJson) }
  const jsonText = new TextDecoder().decode(json)
  const parseMs = await ms(() => JSON.parse(jsonText), runs)
  const openMs = await ms(async () => servingEncoder(meta, blob.slice()) && (await sha256Hex(blob)), runs)
  const encodedBefore = encodeFlights(validate, spec)
  const encodedAfter = encodeFlights(validate, servingEncoder(meta, blob))
  const a = new Uint8Array(encodedBefore.numeric.buffer)
  const b = new Uint8Array(encodedAfter.numeric.buffer)
  let differing = 0
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) differing++
  const sample = validate.slice(0, 20_000)
  const served = servingEncoder(meta, blob)
  const encodeBefore = (await ms(() => encodeFlights(sample, spec), 3)) * (1000 / sample.length)
  const encodeAfter = (await ms(() => encodeFlights(sample, served), 3)) * (1000 / sample.length)
  const kb = (n: number) => `${fmt(n / 1024, 0)} KiB`
  return [
    `encoder — reference encoder fitted on ${ds(spec)} (flight ${spec.cells.flight ? Object.keys(spec.cells.flight).length.toLocaleString('en-US') : 0} entries)`,
    row('', 'raw', 'gzip', 'gzip ratio'),
    row('JSON cell tables in the manifest (before)', kb(before.raw), kb(before.gzip), '100%'),
    row('binary blob + manifest encoder (after)', kb(after.raw), kb(after.gzip), `${fmt((100 * after.gzip) / before.gzip, 1)}%`),
    row('load, ms (before: JSON.parse; after: sha256 + open)', fmt(parseMs, 1), fmt(openMs, 1), `${fmt((100 * openMs) / parseMs, 1)}%`),
    row('encode µs/row (before / after)', fmt(encodeBefore, 2), fmt(encodeAfter, 2)),
    row('validation rows encoded / bytes differing', validate.length.toLocaleString('en-US'), differing),
  ]
}

function ds(spec: EncoderSpec): string {
  return `the training window (${(spec.airports.length - 1).toLocaleString('en-US')} airports)`
}
