import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { Windows } from '../data/windows.ts'
import type { AblationResult } from '../pipeline/ablation.ts'
import type { TrainSummary } from '../pipeline/tracked-train.ts'
import { blockBody, fillBlocks, findBlocks } from './blocks.ts'
import type { CommandRecord, Machine } from './record.ts'

/** The documents whose marked blocks the generator owns, relative to the repository root. */
export const DOC_FILES = ['README.md', 'docs/problem.md', 'docs/training.md', 'docs/export.md'] as const

/** The committed report data the blocks are rendered from: what the commands wrote, never hand-edited. */
export const DATA_FILES = { train: 'docs/data/train.json', ablation: 'docs/data/ablation.json' } as const

export type TrainRecord = CommandRecord<TrainSummary & { windows: Windows }>
export type AblationRecord = CommandRecord<AblationResult & { windows: Windows }>

export interface DocData {
  train: TrainRecord
  ablation: AblationRecord
}

export async function readDocData(root: string): Promise<DocData> {
  const read = async (file: string) => JSON.parse(await readFile(path.join(root, file), 'utf8'))
  return { train: await read(DATA_FILES.train), ablation: await read(DATA_FILES.ablation) }
}

const f4 = (v: number | null | undefined) => (v === null || v === undefined ? '—' : v.toFixed(4))
const f3 = (v: number) => v.toFixed(3)
const int = (v: number) => Math.round(v).toLocaleString('en-US')
const kb = (bytes: number) => `${(bytes / 1000).toFixed(1)} KB`

export function machineLine(m: Machine): string {
  return `${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}`
}

function duration(seconds: number): string {
  const m = Math.floor(seconds / 60)
  const s = Math.round(seconds - 60 * m)
  return m > 0 ? `${m} min ${s} s` : `${s} s`
}

const span = (w: { from: string; to: string }) => `${w.from} .. ${w.to} (exclusive)`

/** Every block the generator knows, rendered from the committed data. */
export function renderBlocks(d: DocData): Record<string, string> {
  const t = d.train.data
  const m = t.metrics
  const a = d.ablation.data
  const stepSeconds = (name: string) => t.steps.find((s) => s.name === name)?.seconds ?? Number.NaN
  const source = (r: CommandRecord<unknown>) => `\`${r.command}\` on ${machineLine(r.measuredOn)}`
  return {
    windows: [
      '| slice | dates | used for |',
      '| --- | --- | --- |',
      `| train | ${span(t.windows.train)} | encoder tables, vocabulary, scaler (out of fold by week), network weights |`,
      `| select | ${span(t.windows.validate)} | early stopping, trial choice, decision threshold |`,
      `| report | ${span(t.windows.report)} | the published metrics; nothing is tuned on it |`,
      `| replay | ${span(t.windows.replay)} | production traffic for monitoring, labels arriving late |`,
    ].join('\n'),
    'train-headline': [
      '| | AUC |',
      '| --- | ---: |',
      `| baseline: delay rate of (origin, departure hour), report slice | ${f4(m.baseline_auc)} |`,
      `| chosen model (trial ${t.bestTrial}, ${t.trials[t.bestTrial - 1]?.family}), **report slice** (${int(m.report_rows)} flights) | **${f4(m.report_auc)}** |`,
      `| chosen model, selection slice (optimistic: it chose epochs, trial and threshold) | ${f4(m.val_auc)} |`,
      '',
      `Report slice at the selection threshold ${f3(m.threshold)}: F1 ${f3(m.report_f1)}, accuracy ${f3(m.report_accuracy)}, log loss ${f4(m.report_log_loss)}, Brier ${f4(m.report_brier)}, ECE ${f4(m.report_ece)}.`,
      `Measured by ${source(d.train)}.`,
    ].join('\n'),
    trials: [
      '| trial | family | selection AUC |',
      '| ---: | --- | ---: |',
      ...t.trials.map(
        (r) =>
          `| ${r.trial}${r.trial === t.bestTrial ? ' (chosen)' : ''} | ${r.family} | ${r.status === 'finished' ? f4(r.valAuc) : `failed: ${r.error}`} |`,
      ),
    ].join('\n'),
    'rate-auc': [
      '| cell | AUC out of fold (training rows) | AUC as served (report slice) | gap |',
      '| --- | ---: | ---: | ---: |',
      ...['origin', 'destination', 'route', 'origin_hour', 'destination_hour', 'route_hour', 'flight'].map((c) => {
        const oof = m[`rate_auc_oof_${c}`]
        const served = m[`rate_auc_report_${c}`]
        return `| ${c} | ${f4(oof)} | ${f4(served)} | ${(oof - served >= 0 ? '+' : '') + (oof - served).toFixed(4)} |`
      }),
      '',
      `Each rate alone, ranked against the labels. Measured by ${source(d.train)}.`,
    ].join('\n'),
    'train-time': `${duration(d.train.wallSeconds)} for the whole run (ingest ${duration(stepSeconds('ingest'))}, featurize ${duration(stepSeconds('featurize'))}, sweep ${duration(stepSeconds('train'))}), measured by ${source(d.train)}, sharing the machine with other work.`,
    export: [
      '| | value |',
      '| --- | ---: |',
      `| \`model.onnx\` (fp32) | ${kb(m.fp32_size_bytes)} |`,
      `| \`model.int8.onnx\` | ${kb(m.int8_size_bytes)} (${Math.round((100 * m.int8_size_bytes) / m.fp32_size_bytes)}% of fp32) |`,
      `| AUC fp32 → int8, selection slice | ${f4(m.val_auc)} → ${f4(m.int8_val_auc)} |`,
      `| single-row latency, TS evaluator, int8 (median) | ${m.latency_us.toFixed(1)} µs |`,
      '',
      `Measured by ${source(d.train)}.`,
    ].join('\n'),
    ablation: [
      `| variant | AUC, report slice | AUC, selection slice | log loss, report | honest for |`,
      '| --- | ---: | ---: | ---: | --- |',
      ...a.rows.map((r) => `| ${r.variant} | ${f4(r.reportAuc)} | ${f4(r.selectAuc)} | ${f4(r.reportLogLoss)} | ${r.honestFor} |`),
      '',
      `One ${a.config.family} ${JSON.stringify(a.config.hidden)} per variant (${a.config.epochs} epochs, early stopping on the selection slice), ${int(a.trainRows)} training rows sampled from ${span(a.windows.train)}, the encoder fitted on the whole window; selection slice ${int(a.selectRows)} flights, report slice ${int(a.reportRows)}. A smaller run than the default sweep, so the full model's figure differs slightly from the headline. Measured by ${source(d.ablation)} in ${duration(d.ablation.wallSeconds)}.`,
    ].join('\n'),
  }
}

/** Rewrites the marked blocks of every document; returns the files whose text changed. */
export async function writeDocNumbers(root: string): Promise<string[]> {
  const rendered = renderBlocks(await readDocData(root))
  const changed: string[] = []
  for (const file of DOC_FILES) {
    const full = path.join(root, file)
    const text = await readFile(full, 'utf8')
    const next = fillBlocks(text, rendered, file)
    if (next !== text) {
      await writeFile(full, next)
      changed.push(file)
    }
  }
  return changed
}

/** The blocks of a document that differ from what the generator renders from the committed data. */
export async function staleBlocks(root: string): Promise<{ file: string; block: string }[]> {
  const rendered = renderBlocks(await readDocData(root))
  const stale: { file: string; block: string }[] = []
  for (const file of DOC_FILES) {
    const text = await readFile(path.join(root, file), 'utf8')
    for (const b of findBlocks(text))
      if (rendered[b.name] === undefined || blockBody(rendered[b.name]) !== b.body) stale.push({ file, block: b.name })
  }
  return stale
}
