import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { gzipSync } from 'node:zlib'
import { fitReferenceProfileSpec, profileFlights } from '@tarmac/sdk/drift'
import { encodeFlights, MIN_CELL_COUNT, NUMERIC_FEATURES, servingEncoder } from '@tarmac/sdk/features'
import { manifestSchema, sha256Hex } from '@tarmac/sdk/manifest'
import { auc } from '@tarmac/sdk/metrics'
import type { LoadedDataset } from '../data/dataset.ts'
import { loadDataset } from '../data/dataset.ts'
import { defaultDataPath } from '../data/source.ts'
import { buildManifest, exportEncoderTables, exportOnnx } from '../export/bundle.ts'
import { localExecutor } from '../train/executor.ts'
import { type Featurized, featurize, flightsOf, labelledIndex } from '../train/features.ts'
import { predictEncoded } from '../train/predict.ts'
import { parseTrialConfig } from '../train/sweep.ts'
import { fmt, median, row } from './stats.ts'

/** The minimum count main keeps a cell at (fit.ts before the compact encoder): "today". */
const TODAY_MIN_CELL_COUNT = 2

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

interface Variant {
  label: string
  f: Featurized
  reportAuc: number
  /** bytes a client downloads for the encoder: the manifest, plus the tables blob when there is one */
  manifest: Uint8Array
  blob: Uint8Array | null
}

/**
 * The reference encoder, today's against the compact one, on the real data: bytes a client downloads (manifest +
 * tables), load time as the Worker loads them, the parity of the blob with the in-memory encoder on the
 * selection slice (bit for bit), and the AUC cost of dropping rare cells on the untouched report slice, from
 * the same small training run with each encoder.
 */
export async function benchEncoder(runs: number, trainRows: number, epochs: number): Promise<string[]> {
  const quarantineDir = await mkdtemp(path.join(tmpdir(), 'tarmac-bench-encoder-'))
  try {
    const ds = await loadDataset(defaultDataPath(), { quarantineDir })
    const options = { trainRows, seed: 7, smoothing: 20, folds: 5 }
    const today = await variant(ds, 'today: JSON tables in the manifest', { ...options, minCellCount: TODAY_MIN_CELL_COUNT }, epochs, false)
    const compact = await variant(ds, 'compact: tables blob + manifest', { ...options, minCellCount: MIN_CELL_COUNT }, epochs, true)
    return [
      `encoder — fitted on the real training window (${ds.splits.train.size.toLocaleString('en-US')} rows); models: mlp [64,32], ${trainRows.toLocaleString('en-US')} rows, ${epochs} epoch(s), report slice ${today.f.report.rows.toLocaleString('en-US')} rows`,
      ...sizes(today, compact),
      ...(await loads(today, compact, runs)),
      ...(await parity(compact, flightsOf(ds.splits.validate, labelledIndex(ds.splits.validate)))),
    ]
  } finally {
    await rm(quarantineDir, { recursive: true, force: true })
  }
}

async function variant(
  ds: LoadedDataset,
  label: string,
  options: Parameters<typeof featurize>[3],
  epochs: number,
  compact: boolean,
): Promise<Variant> {
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
  if (outcome.status !== 'finished') throw new Error(`encoder bench, ${label}: ${outcome.error}`)
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
  if (compact) return { label, f, reportAuc, manifest: utf8(manifest), blob: tables }
  // today's manifest: the same one with the cell tables inline as JSON and no tables file
  const { encoder: _tables, ...files } = manifest.files
  return { label, f, reportAuc, manifest: utf8({ ...manifest, manifestVersion: 1, files, encoder: f.spec }), blob: null }
}

/** MIN_CELL_COUNT as one short cell: the values that differ from the most common one. */
function minimums(): string {
  const values = Object.values(MIN_CELL_COUNT)
  const common = values.sort((a, b) => values.filter((v) => v === b).length - values.filter((v) => v === a).length)[0]
  const special = Object.entries(MIN_CELL_COUNT).filter(([, v]) => v !== common)
  return `${special.map(([c, v]) => `${c} ${v}`).join(', ')}, others ${common}`
}

function sizes(today: Variant, compact: Variant): string[] {
  const bytes = (v: Variant) => ({
    raw: v.manifest.length + (v.blob?.length ?? 0),
    gzip: gz(v.manifest) + (v.blob ? gz(v.blob) : 0),
  })
  const before = bytes(today)
  const after = bytes(compact)
  const entries = (v: Variant) =>
    `${Object.values(v.f.spec.cells)
      .reduce((n, t) => n + Object.keys(t).length, 0)
      .toLocaleString('en-US')} cells (flight ${Object.keys(v.f.spec.cells.flight).length.toLocaleString('en-US')})`
  return [
    row('', 'min count', 'cells', 'raw', 'gzip', 'gzip vs today', 'report AUC'),
    row(
      today.label,
      `${TODAY_MIN_CELL_COUNT} for every cell`,
      entries(today),
      kb(before.raw),
      kb(before.gzip),
      '100%',
      fmt(today.reportAuc, 4),
    ),
    row(
      compact.label,
      minimums(),
      entries(compact),
      kb(after.raw),
      kb(after.gzip),
      `${fmt((100 * after.gzip) / before.gzip, 1)}%`,
      fmt(compact.reportAuc, 4),
    ),
    row(
      '  of which the tables blob / the manifest',
      '',
      '',
      `${kb(compact.blob?.length ?? 0)} / ${kb(compact.manifest.length)}`,
      `${kb(compact.blob ? gz(compact.blob) : 0)} / ${kb(gz(compact.manifest))}`,
    ),
    row('report AUC cost of the compact encoder (today − compact)', fmt(today.reportAuc - compact.reportAuc, 4)),
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
      'load ms (today: parse the manifest; compact: parse + sha256 + open the blob)',
      fmt(before, 1),
      fmt(after, 1),
      `${fmt((100 * after) / before, 1)}%`,
    ),
  ]
}

/** The blob-decoded encoder against the in-memory one it was packed from, bit for bit, on the selection slice. */
async function parity(compact: Variant, validate: ReturnType<typeof flightsOf>): Promise<string[]> {
  const { encoder } = manifestSchema.parse(JSON.parse(new TextDecoder().decode(compact.manifest)))
  const a = new Uint8Array(encodeFlights(validate, compact.f.spec).numeric.buffer)
  const b = new Uint8Array(encodeFlights(validate, await servingEncoder(encoder, compact.blob as Uint8Array)).numeric.buffer)
  let differing = Math.abs(a.length - b.length)
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) differing++
  return [
    row('parity: selection rows encoded / feature bytes differing (blob vs in-memory)', validate.length.toLocaleString('en-US'), differing),
  ]
}
