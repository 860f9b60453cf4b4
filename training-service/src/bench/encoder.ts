import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { gzipSync } from 'node:zlib'
import { fitReferenceProfileSpec, profileFlights } from '@tarmac/sdk/drift'
import { encodeFlights, MIN_CELL_COUNT, NUMERIC_FEATURES, SIZE_TARGET_MIN_CELL_COUNT, servingEncoder } from '@tarmac/sdk/features'
import { type ModelManifest, manifestSchema, sha256Hex } from '@tarmac/sdk/manifest'
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
  tables: Uint8Array
}

interface Variant {
  label: string
  trained: Trained
  /** what a client downloads for the encoder: the manifest, plus the tables blob when there is one */
  manifest: Uint8Array
  blob: Uint8Array | null
}

/**
 * The reference encoder on the real data, today's (cell tables as JSON in the manifest) against the tables blob
 * with today's cells and with the cells that meet the size target: bytes a client downloads, load time as the
 * Worker loads them, the parity of the blob with the in-memory encoder on the selection slice (bit for bit),
 * and each encoder's report AUC from the same small training run.
 */
export async function benchEncoder(runs: number, trainRows: number, epochs: number): Promise<string[]> {
  const quarantineDir = await mkdtemp(path.join(tmpdir(), 'tarmac-bench-encoder-'))
  try {
    const ds = await loadDataset(defaultDataPath(), { quarantineDir })
    const options = { trainRows, seed: 7, smoothing: 20, folds: 5 }
    const all = await train(ds, { ...options, minCellCount: MIN_CELL_COUNT }, epochs)
    const small = await train(ds, { ...options, minCellCount: SIZE_TARGET_MIN_CELL_COUNT }, epochs)
    const today: Variant = {
      label: 'today: JSON cell tables in the manifest',
      trained: all,
      // the same manifest with the tables inline and no tables file, as main writes it
      manifest: utf8({
        ...all.manifest,
        manifestVersion: 1,
        files: { fp32: all.manifest.files.fp32, int8: all.manifest.files.int8 },
        encoder: all.f.spec,
      }),
      blob: null,
    }
    const compact = (label: string, t: Trained): Variant => ({ label, trained: t, manifest: utf8(t.manifest), blob: t.tables })
    const variants = [today, compact('tables blob, every cell (the default)', all), compact('tables blob, size-target cells', small)]
    return [
      `encoder — fitted on the real training window (${ds.splits.train.size.toLocaleString('en-US')} rows); AUC: mlp [64,32], ${trainRows.toLocaleString('en-US')} rows, ${epochs} epoch(s), report slice ${all.f.report.rows.toLocaleString('en-US')} rows`,
      ...sizes(variants),
      ...(await loads(today, variants[1], runs)),
      ...(await parity(variants[1], flightsOf(ds.splits.validate, labelledIndex(ds.splits.validate)))),
      ...(await parity(variants[2], flightsOf(ds.splits.validate, labelledIndex(ds.splits.validate)))),
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

function sizes(variants: Variant[]): string[] {
  const bytes = (v: Variant) => ({ raw: v.manifest.length + (v.blob?.length ?? 0), gzip: gz(v.manifest) + (v.blob ? gz(v.blob) : 0) })
  const base = bytes(variants[0])
  const cells = (v: Variant) => Object.values(v.trained.f.spec.cells).reduce((n, t) => n + Object.keys(t).length, 0)
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
    ...variants.map((v) => {
      const b = bytes(v)
      return row(
        v.label,
        minimums(v.trained.minCellCount),
        cells(v).toLocaleString('en-US'),
        kb(b.raw),
        kb(b.gzip),
        `${fmt((100 * b.raw) / base.gzip, 1)}%`,
        `${fmt((100 * b.gzip) / base.gzip, 1)}%`,
        fmt(v.trained.reportAuc, 4),
      )
    }),
    row("(the Worker serves blobs as stored: a blob's raw bytes are what a client downloads)"),
  ]
}

async function loads(today: Variant, compact: Variant, runs: number): Promise<string[]> {
  const todayText = new TextDecoder().decode(today.manifest)
  const compactText = new TextDecoder().decode(compact.manifest)
  const blob = compact.blob as Uint8Array
  const before = await ms(() => JSON.parse(todayText), runs)
  const after = await ms(async () => {
    const manifest = JSON.parse(compactText)
    await sha256Hex(blob)
    return servingEncoder(manifest.encoder, blob)
  }, runs)
  return [
    row(
      'load ms (today: parse the manifest; blob, every cell: parse + sha256 + open the blob)',
      fmt(before, 1),
      fmt(after, 1),
      `${fmt((100 * after) / before, 1)}%`,
    ),
  ]
}

/** The blob-decoded encoder against the in-memory one it was packed from, bit for bit, on the selection slice. */
async function parity(compact: Variant, validate: ReturnType<typeof flightsOf>): Promise<string[]> {
  const { encoder } = manifestSchema.parse(JSON.parse(new TextDecoder().decode(compact.manifest)))
  const a = new Uint8Array(encodeFlights(validate, compact.trained.f.spec).numeric.buffer)
  const b = new Uint8Array(encodeFlights(validate, await servingEncoder(encoder, compact.blob as Uint8Array)).numeric.buffer)
  let differing = Math.abs(a.length - b.length)
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) differing++
  return [
    row(
      `parity, ${compact.label}: selection rows / feature bytes differing (blob vs in-memory)`,
      validate.length.toLocaleString('en-US'),
      differing,
    ),
  ]
}
