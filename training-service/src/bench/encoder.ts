import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { gzipSync } from 'node:zlib'
import { fitReferenceProfileSpec, profileFlights } from '@tarmac/sdk/drift'
import {
  encodeFlights,
  MIN_CELL_COUNT,
  manifestEncoder,
  NUMERIC_FEATURES,
  type PackedCellTables,
  SHARD_CELLS,
  SIZE_TARGET_MIN_CELL_COUNT,
} from '@tarmac/sdk/features'
import { type ArtifactFile, type ModelManifest, sha256Hex } from '@tarmac/sdk/manifest'
import { auc } from '@tarmac/sdk/metrics'
import type { LoadedDataset } from '../data/dataset.ts'
import { loadDataset } from '../data/dataset.ts'
import { defaultDataPath } from '../data/source.ts'
import { buildManifest, exportEncoderTables, exportOnnx } from '../export/bundle.ts'
import { localExecutor } from '../train/executor.ts'
import { type Featurized, type FeaturizeOptions, featurize, flightsOf, labelledIndex } from '../train/features.ts'
import { predictEncoded } from '../train/predict.ts'
import { parseTrialConfig } from '../train/sweep.ts'
import { fmt, median, row } from './stats.ts'
import { openOneBlob, packOneBlob } from './tables-before.ts'

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

const gz = (b: Uint8Array) => gzipSync(b, { level: 9 }).length
const kb = (n: number) => `${fmt(n / 1024, 1)} KiB`
const utf8 = (v: unknown) => new TextEncoder().encode(JSON.stringify(v))

type MinCellCount = NonNullable<FeaturizeOptions['minCellCount']>

interface Trained {
  minCellCount: MinCellCount
  f: Featurized
  reportAuc: number
  manifest: ModelManifest
  tables: PackedCellTables
}

/** What one client downloads for the encoder: the manifest, plus blobs (none: the tables are in the manifest). */
interface Download {
  label: string
  trained: Trained
  manifest: Uint8Array
  blobs: Uint8Array[]
}

/** The origin whose shard is the largest, and the median one by size. */
function shardOrigins(tables: PackedCellTables): { largest: string; median: string } {
  const bySize = Object.entries(tables.shards).sort((a, b) => b[1].length - a[1].length)
  return { largest: bySize[0][0], median: bySize[bySize.length >> 1][0] }
}

/**
 * The reference encoder on the real data, today's (cell tables as JSON in the manifest) against the sharded tables
 * blobs with today's cells and with the cells that meet the size target, and against the single blob of every table
 * this change replaced: bytes a client downloads (one origin's client: the manifest, the global blob and that
 * origin's shard), load time as the Worker loads them, the parity of the blobs with the in-memory encoder on the
 * selection slice (bit for bit), and each encoder's report AUC from the same small training run.
 */
export async function benchEncoder(runs: number, trainRows: number, epochs: number): Promise<string[]> {
  const quarantineDir = await mkdtemp(path.join(tmpdir(), 'tarmac-bench-encoder-'))
  try {
    const ds = await loadDataset(defaultDataPath(), { quarantineDir })
    const options = { trainRows, seed: 7, smoothing: 20, folds: 5 }
    const all = await train(ds, { ...options, minCellCount: MIN_CELL_COUNT }, epochs)
    const small = await train(ds, { ...options, minCellCount: SIZE_TARGET_MIN_CELL_COUNT }, epochs)
    const today: Download = {
      label: 'today: JSON cell tables in the manifest',
      trained: all,
      // the same manifest with the tables inline and no tables file, as main wrote it before the blob
      manifest: utf8({
        ...all.manifest,
        manifestVersion: 1,
        files: { fp32: all.manifest.files.fp32, int8: all.manifest.files.int8 },
        encoder: all.f.spec,
      }),
      blobs: [],
    }
    const oneBlob: Download = {
      label: 'before: one tables blob (format 2), every cell',
      trained: all,
      // the manifest as format 2 wrote it: one encoder file, no shards
      manifest: utf8({ ...all.manifest, manifestVersion: 2, files: { ...all.manifest.files, shards: undefined } }),
      blobs: [packOneBlob(all.f.spec.cells)],
    }
    const client = (label: string, t: Trained, origins: string[]): Download => ({
      label,
      trained: t,
      manifest: utf8(t.manifest),
      blobs: [t.tables.global, ...origins.map((o) => t.tables.shards[o])],
    })
    const hub = shardOrigins(all.tables)
    const smallHub = shardOrigins(small.tables)
    const downloads = [
      today,
      oneBlob,
      client(`sharded, every cell: one-origin client, largest shard (${hub.largest})`, all, [hub.largest]),
      client(`sharded, every cell: one-origin client, median shard (${hub.median})`, all, [hub.median]),
      client(
        `sharded, every cell: ALL ${Object.keys(all.tables.shards).length} shards (not one client's download)`,
        all,
        Object.keys(all.tables.shards),
      ),
      client(`sharded, size-target cells: one-origin client, largest shard (${smallHub.largest})`, small, [smallHub.largest]),
    ]
    const validate = flightsOf(ds.splits.validate, labelledIndex(ds.splits.validate))
    return [
      `encoder — fitted on the real training window (${ds.splits.train.size.toLocaleString('en-US')} rows); AUC: mlp [64,32], ${trainRows.toLocaleString('en-US')} rows, ${epochs} epoch(s), report slice ${all.f.report.rows.toLocaleString('en-US')} rows`,
      ...sizes(downloads),
      ...layouts(all, hub.largest),
      ...(await loads(today, oneBlob, all, hub.largest, runs)),
      ...(await parity('every cell', all, validate)),
      ...(await parity('size-target cells', small, validate)),
    ]
  } finally {
    await rm(quarantineDir, { recursive: true, force: true })
  }
}

async function train(ds: LoadedDataset, options: FeaturizeOptions & { minCellCount: MinCellCount }, epochs: number): Promise<Trained> {
  const f = featurize(ds.splits.train, ds.splits.validate, ds.splits.report, options)
  const config = parseTrialConfig(
    { family: 'mlp', hidden: [64, 32], embeddingDim: 8, learningRate: 0.002, batchSize: 1024, epochs, seed: 7 },
    0,
  )
  const [outcome] = await localExecutor(1).run([
    {
      index: 0,
      config,
      shape: { numericWidth: NUMERIC_FEATURES.length, vocab: f.spec.airports.length },
      train: f.train,
      validate: f.validate,
    },
  ])
  if (outcome.status !== 'finished') throw new Error(`encoder bench: ${outcome.error}`)
  const models = exportOnnx(outcome.result.net, {})
  const reportAuc = auc(f.report.labels, predictEncoded(models.fp32, f.report))
  const validateFlights = flightsOf(ds.splits.validate, labelledIndex(ds.splits.validate))
  const predictions = outcome.result.valPredictions
  const referenceProfile = profileFlights(validateFlights, predictions, fitReferenceProfileSpec(validateFlights, predictions))
  const tables = await exportEncoderTables(f.spec)
  const manifest = await buildManifest({
    name: 'flight-delay',
    version: 1,
    runId: 'bench',
    dataVersion: ds.dataVersion,
    family: 'mlp',
    models,
    encoder: f.spec,
    threshold: 0.5,
    metrics: { report_auc: reportAuc },
    parity: {},
    referenceProfile,
    embedded: true,
    tables,
  })
  return { minCellCount: options.minCellCount, f, reportAuc, manifest, tables }
}

const minimums = (m: MinCellCount) =>
  typeof m === 'number'
    ? `${m} everywhere`
    : Object.entries(m)
        .filter(([, v]) => v !== MIN_CELL_COUNT)
        .map(([c, v]) => `${c} ${Number.isFinite(v) ? v : 'dropped'}`)
        .join(', ')

function sizes(downloads: Download[]): string[] {
  const bytes = (d: Download) => ({
    raw: d.manifest.length + d.blobs.reduce((n, b) => n + b.length, 0),
    gzip: gz(d.manifest) + d.blobs.reduce((n, b) => n + gz(b), 0),
  })
  const base = bytes(downloads[0])
  const cells = (d: Download) => Object.values(d.trained.f.spec.cells).reduce((n, t) => n + Object.keys(t).length, 0)
  return [
    row(
      'manifest + cell tables a client downloads',
      'min count',
      'cells',
      'raw',
      'gzip',
      'raw / today gzip',
      'gzip / today gzip',
      'report AUC',
    ),
    ...downloads.map((d) => {
      const b = bytes(d)
      return row(
        d.label,
        minimums(d.trained.minCellCount),
        cells(d).toLocaleString('en-US'),
        kb(b.raw),
        kb(b.gzip),
        `${fmt((100 * b.raw) / base.gzip, 1)}%`,
        `${fmt((100 * b.gzip) / base.gzip, 1)}%`,
        fmt(d.trained.reportAuc, 4),
      )
    }),
    row("(the Worker serves blobs as stored: a blob's raw bytes are what a client downloads; floor ≤ 10% of today's gzip per client)"),
  ]
}

/**
 * The largest shard's bytes in this format (varints, deflated, served as stored) against the layout that opens with
 * zero-copy typed-array views (sorted u32 keys, u32 counts and positives), served gzipped.
 */
function layouts(t: Trained, origin: string): string[] {
  const { cells } = t.f.spec
  const codes = [...new Set([...Object.keys(cells.origin), ...Object.keys(cells.destination)])].sort()
  const index = new Map(codes.map((c, i) => [c, i]))
  const arrays = SHARD_CELLS.flatMap((cell) => {
    const entries = Object.entries(cells[cell])
      .filter(([key]) => key.startsWith(`${origin}-`))
      .map(([key, stat]) => {
        const [route, suffix] = key.split('@')
        return { k: (index.get(route.slice(4)) ?? 0) * 1440 + Number(suffix ?? 0), stat }
      })
      .sort((a, b) => a.k - b.k)
    return [Uint32Array.from(entries, (e) => e.k), Uint32Array.from(entries, (e) => e.stat[1]), Uint32Array.from(entries, (e) => e.stat[0])]
  })
  const fixed = new Uint8Array(arrays.reduce((n, a) => n + a.byteLength, 0))
  let at = 0
  for (const a of arrays) {
    fixed.set(new Uint8Array(a.buffer), at)
    at += a.byteLength
  }
  return [
    row(
      `${origin} shard on the wire: this format (varints, deflated) / fixed-width typed arrays raw / gzip`,
      kb(t.tables.shards[origin].length),
      kb(fixed.length),
      kb(gz(fixed)),
    ),
  ]
}

/** A trained encoder's blob by its manifest entry, as the artifact store would return it. */
function blobOf(t: Trained, file: ArtifactFile): Uint8Array {
  if (file.sha256 === t.manifest.files.encoder.sha256) return t.tables.global
  const [origin] = Object.entries(t.manifest.files.shards).find(([, f]) => f.sha256 === file.sha256) ?? []
  if (origin === undefined) throw new Error(`encoder bench: no blob ${file.sha256}`)
  return t.tables.shards[origin]
}

/** Median ms of a first prediction's encoder load, as the Worker does it: parse the manifest, hash and open each blob. */
async function loads(today: Download, oneBlob: Download, sharded: Trained, origin: string, runs: number): Promise<string[]> {
  const todayText = new TextDecoder().decode(today.manifest)
  const oneText = new TextDecoder().decode(oneBlob.manifest)
  const shardedText = JSON.stringify(sharded.manifest)
  const before = await ms(() => JSON.parse(todayText), runs)
  const single = await ms(async () => {
    JSON.parse(oneText)
    await sha256Hex(oneBlob.blobs[0])
    return openOneBlob(oneBlob.blobs[0])
  }, runs)
  const after = await ms(async () => {
    // as the Worker reads it from KV: validated when it was published
    const manifest: ModelManifest = JSON.parse(shardedText)
    const encoder = await manifestEncoder(manifest, async (file) => {
      const bytes = blobOf(sharded, file)
      await sha256Hex(bytes)
      return bytes
    })
    await encoder.prepare([{ origin }])
  }, runs)
  const pct = (x: number) => `${fmt((100 * x) / before, 1)}%`
  return [
    row('encoder load ms for a first prediction', 'ms', '/ today'),
    row('today: parse the manifest (tables in it)', fmt(before, 1), '100%'),
    row('before: parse + sha256 + open the one blob', fmt(single, 1), pct(single)),
    row(`sharded: parse + sha256 + open the global blob and the ${origin} shard`, fmt(after, 1), pct(after)),
  ]
}

/** The blob-decoded encoder (every shard opened) against the in-memory one it was packed from, bit for bit, on the selection slice. */
async function parity(label: string, t: Trained, validate: ReturnType<typeof flightsOf>): Promise<string[]> {
  const encoder = await manifestEncoder(t.manifest, async (file) => blobOf(t, file))
  await encoder.prepare(validate)
  const a = new Uint8Array(encodeFlights(validate, t.f.spec).numeric.buffer)
  const b = new Uint8Array(encodeFlights(validate, encoder).numeric.buffer)
  let differing = Math.abs(a.length - b.length)
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) differing++
  return [
    row(
      `parity, sharded ${label}: selection rows / feature bytes differing (blobs vs in-memory)`,
      validate.length.toLocaleString('en-US'),
      differing,
    ),
  ]
}
