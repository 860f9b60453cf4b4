import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { BenchSections } from '../bench/sections.ts'
import type { Windows } from '../data/windows.ts'
import type { LoopSummary } from '../loop/closed-loop.ts'
import { calibrationAfterPromotions, promotedWeeks, WEEKLY_ECE_TARGET } from '../loop/promoted.ts'
import type { AblationResult } from '../pipeline/ablation.ts'
import type { TrainSummary } from '../pipeline/tracked-train.ts'
import { blockBody, fillBlocks, findBlocks } from './blocks.ts'
import type { CommandRecord, Machine } from './record.ts'

/** The documents whose marked blocks the generator owns, relative to the repository root. */
export const DOC_FILES = [
  'README.md',
  'docs/problem.md',
  'docs/training.md',
  'docs/export.md',
  'docs/monitoring.md',
  'docs/weaknesses.md',
  'docs/architecture.md',
  'docs/distributed.md',
] as const

/** The committed report data the blocks are rendered from: what the commands wrote, never hand-edited. */
export const DATA_FILES = {
  train: 'docs/data/train.json',
  ablation: 'docs/data/ablation.json',
  loop: 'docs/data/loop.json',
  bench: 'docs/data/bench.json',
} as const

export type TrainRecord = CommandRecord<TrainSummary & { windows: Windows }>
export type AblationRecord = CommandRecord<AblationResult & { windows: Windows }>
/** `tarmac start --record`: the loop's summary without the Worker's state folder, which is the machine's */
export type LoopRecord = CommandRecord<Omit<LoopSummary, 'edgeState'>>
export type BenchRecord = CommandRecord<BenchSections>

export interface DocData {
  train: TrainRecord
  ablation: AblationRecord
  loop: LoopRecord
  bench: BenchRecord
}

export async function readDocData(root: string): Promise<DocData> {
  const read = async (file: string) => JSON.parse(await readFile(path.join(root, file), 'utf8'))
  return {
    train: await read(DATA_FILES.train),
    ablation: await read(DATA_FILES.ablation),
    loop: await read(DATA_FILES.loop),
    bench: await read(DATA_FILES.bench),
  }
}

const f4 = (v: number | null | undefined) => (v === null || v === undefined ? '—' : v.toFixed(4))
const f3 = (v: number) => v.toFixed(3)
const int = (v: number) => Math.round(v).toLocaleString('en-US')
const kb = (bytes: number) => `${(bytes / 1000).toFixed(1)} KB`
const pct = (v: number) => `${(100 * v).toFixed(0)}%`
const range = (vs: readonly number[]) => `${f4(Math.min(...vs))}–${f4(Math.max(...vs))}`

export function machineLine(m: Machine): string {
  return `${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}`
}

function duration(seconds: number): string {
  const m = Math.floor(seconds / 60)
  const s = Math.round(seconds - 60 * m)
  return m > 0 ? `${m} min ${s} s` : `${s} s`
}

const span = (w: { from: string; to: string }) => `${w.from} .. ${w.to} (exclusive)`

const versionList = (vs: number[]) => (vs.length > 0 ? vs.map((v) => `v${v}`).join(', ') : 'none')

/** The loop's blocks: the served model week by week, the retrains and their outcomes, the last month as served. */
function loopBlocks(r: LoopRecord, source: string): Record<string, string> {
  const s = r.data
  const outcomes = (o: LoopSummary['retrains'][number]['outcome']) => s.retrains.filter((x) => x.outcome === o).map((x) => x.version)
  const judged = s.served.filter((w) => w.realizedAuc !== null)
  const worst = judged.reduce((a, b) => ((b.realizedAuc ?? 1) < (a.realizedAuc ?? 1) ? b : a), judged[0])
  const promoted = promotedWeeks(s)
  const ofPromotedWeeks = (figure: (w: LoopSummary['served'][number]) => number | null) =>
    promoted.flatMap((p) => p.weeks.map(figure)).filter((e): e is number => e !== null)
  const afterPromotion = ofPromotedWeeks((w) => w.ece)
  const floors = ofPromotedWeeks((w) => w.eceNoiseFloor)
  const oracle = ofPromotedWeeks((w) => w.eceWithDailyRateKnown)
  const c = calibrationAfterPromotions(s)
  const served = s.lastMonth.served
  return {
    'loop-served': [
      "| week of | served by | realized AUC | ECE | ECE noise floor | ECE, each day's late share known | labels |",
      '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
      ...s.served.map(
        (w) =>
          `| ${w.from} | v${w.version} | ${f4(w.realizedAuc)} | ${f4(w.ece)} | ${f4(w.eceNoiseFloor)} | ${f4(w.eceWithDailyRateKnown)} | ${int(w.labels)} |`,
      ),
      '',
      `**${s.lastMonth.month} as served** (every labelled prediction the Worker answered, champion and canary, read back from its capture): realized AUC **${f4(served.auc)}**, ECE ${f4(served.ece)} on ${int(served.labels)} labels. Lowest served week: ${worst ? `${worst.from} (v${worst.version}) ${f4(worst.realizedAuc)}` : '—'}.`,
      '',
      `${s.retrains.length} retrains: promoted ${versionList(outcomes('promoted'))}; not published, below the champion on the latest labelled days, ${versionList(outcomes('gate'))}; ${outcomes('canary').length > 0 ? `withdrawn by the canary's verdict or the registry's promotion gates ${versionList(outcomes('canary'))}` : "none withdrawn by the canary's verdict or the registry's promotion gates"}${outcomes('on canary').length > 0 ? `; still on canary at the end ${versionList(outcomes('on canary'))}` : ''}. Champion at the end: v${s.finalChampion} (the first, v${s.champion.version}: report AUC ${f4(s.champion.reportAuc)} against the baseline's ${f4(s.champion.baselineAuc)}).`,
      '',
      `Each promoted version's weeks as champion: ${promoted.map((p) => `v${p.version} (promoted ${p.promotedOn}) ${p.weeks.map((w) => `AUC ${f4(w.realizedAuc)} ECE ${f4(w.ece)}`).join(', ') || 'no whole week'}`).join('; ') || 'none'}.`,
      '',
      `${int(s.replay.predictions)} predictions and ${int(s.replay.labels)} labels sent. Measured by ${source} in ${duration(r.wallSeconds)}.`,
    ].join('\n'),
    'loop-calibration': `- **Weekly calibration error after a promotion is above ${WEEKLY_ECE_TARGET} in ${c.weeks - c.within} of ${c.weeks} weeks.** In the weeks each promoted version served as champion in the recorded \`npm start\` (docs/data/loop.json), ECE was ${afterPromotion.length > 0 ? `${range(afterPromotion)}` : 'not measured (no promoted version served a whole week)'}${floors.length > 0 ? `, where a perfectly calibrated model would show ${range(floors)} from sampling alone (the noise floor of a week's few thousand labels; the monitoring page plots both)` : ''}.${c.chanceCalibratedAllWithin === null ? '' : ` Sampling alone would keep such a model within ${WEEKLY_ECE_TARGET} in all ${c.weeks} weeks only ${pct(c.chanceCalibratedAllWithin)} of the time (labels drawn from its own probabilities, 2,000 times a week).`} The share of late flights swings from day to day with weather no feature carries, so a week's probabilities are off by that week's mix of days; but knowing each day's share would not be enough either. With every day's scores shifted in advance to that day's observed late share, an oracle no deployed model has, ${c.weeks - c.withinWithDailyRateKnown} of the ${c.weeks} weeks stay above ${WEEKLY_ECE_TARGET}${oracle.length > 0 ? ` (its ECE over the ${oracle.length}: ${range(oracle)})` : ''}: what remains is in the shape of the probabilities under the month's drift, not only in each day's level. Refitting the tables on the latest days, a Platt scaling on them, or an intercept refitted on the last labelled days did not lower the next week's ECE in offline checks over a run's registered versions.`,
  }
}

/** Each engine's single-row predict p50 over the bare route's, and the floor beside it, as the edge section printed them. */
function edgeRatios(lines: readonly string[]): { engine: string; floor: number; ratio: number }[] {
  return lines.flatMap((line) => {
    const m = /engine (\w+): 1-row predict p50 \/ bare route p50 \(floor ≤ ([\d.]+)×\)\s+([\d.]+)×\s*$/.exec(line)
    return m ? [{ engine: m[1], floor: Number(m[2]), ratio: Number(m[3]) }] : []
  })
}

/** Each recorded bench section as it printed, under the command that printed it; the edge ratios' weakness line. */
function benchBlocks(r: BenchRecord, source: string): Record<string, string> {
  const ratios = edgeRatios(r.data.edge ?? [])
  const over = ratios.filter((e) => e.ratio > e.floor)
  const floor = Math.min(...ratios.map((e) => e.floor))
  return {
    ...Object.fromEntries(
      Object.entries(r.data).map(([section, lines]) => [
        `bench-${section}`,
        ['```text', ...lines, '```', '', `Printed by ${source}.`].join('\n'),
      ]),
    ),
    'bench-edge-ratio': `- **${over.length > 0 ? `A single-row prediction on the ${over.map((e) => e.engine).join(' and ')} engine costs more than ${floor}× a bare route at the edge` : `A single-row prediction costs up to ${floor}× a bare route at the edge`}** in the recorded run (its p50 over the bare route's under the edge bench's load, per engine: ${ratios.map((e) => `${e.engine} ${e.ratio.toFixed(2)}×`).join(', ')}; the ratio lines in [export.md](export.md)). By default the Worker serves batches below its crossover on the ts engine (\`ORT_CROSSOVER_ROWS\` in \`edge-worker/src/models/engines.ts\`); only \`ENGINE=ort\` sends a single row to ort, whose figure also holds its own single-row call through onnxruntime-web (not profiled in workerd). What both engines add is the telemetry send, not the model: a CPU profile of the Worker's isolate (its inspector, under a 1-connection load) shows the same JavaScript time per request for \`/health\` and for a 1-row predict, whose validation, encoding and inference are a small share beside the router and middleware every route shares; and with the queue send taken out of \`record()\` (a local experiment, not committed) most of the gap closed. Locally each \`sendBatch\` goes to Miniflare's queue broker in the same workerd, on the same 2 cores as the route and the load generator (the consumer is not the cost: with it removed from the config the ratio did not move). Requests arriving together share a send ([monitoring.md](monitoring.md)), which is what brought the ratio down; the rest moves by several hundredths between runs of the same code. On Cloudflare the send is a call to the Queues service and the broker's work is not on this machine's cores.`,
  }
}

/** Every block the generator knows, rendered from the committed data. */
export function renderBlocks(d: DocData): Record<string, string> {
  const t = d.train.data
  const m = t.metrics
  const a = d.ablation.data
  const stepSeconds = (name: string) => t.steps.find((s) => s.name === name)?.seconds ?? Number.NaN
  const source = (r: CommandRecord<unknown>) => `\`${r.command}\` on ${machineLine(r.measuredOn)}`
  return {
    ...loopBlocks(d.loop, source(d.loop)),
    ...benchBlocks(d.bench, source(d.bench)),
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
      ...(m.report_auc_logreg === undefined
        ? []
        : [`| logistic regression on the same encodings (the sweep's best), report slice | ${f4(m.report_auc_logreg)} |`]),
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
