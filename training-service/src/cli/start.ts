import type { Command } from 'commander'
import { defaultDataPath, describeSource } from '../data/source.ts'
import { commandLine, writeRecord } from '../docs/record.ts'
import { openHome } from '../home.ts'
import { type LoopSummary, runClosedLoop } from '../loop/closed-loop.ts'
import { calibrationAfterPromotions, promotedWeeks, WEEKLY_ECE_TARGET } from '../loop/promoted.ts'
import { positiveInt } from './format-command.ts'
import { emit } from './output.ts'

const f4 = (x: number | null | undefined) => (x === null || x === undefined ? '—' : x.toFixed(4))
const pct = (x: number) => `${(100 * x).toFixed(0)}%`

function formatSummary(s: LoopSummary): string {
  const lines = [
    '',
    `data ${s.data.dataVersion}: ${s.data.trainRows.toLocaleString('en-US')} training flights, ${s.data.replayRows.toLocaleString('en-US')} replayed as production (${s.replay.predictions.toLocaleString('en-US')} sent, ${s.replay.labels.toLocaleString('en-US')} labels, ${s.replay.seconds.toFixed(0)}s)`,
    `champion v${s.champion.version}: report AUC ${f4(s.champion.reportAuc)} vs baseline ${f4(s.champion.baselineAuc)} (March 16–31, untouched by selection)`,
    '',
    'week        version  drifted features                          pred drift  realized AUC     ECE   floor  estimated AUC  p50/p99 ms  alerts',
  ]
  for (const c of s.checkpoints) {
    for (const v of c.versions) {
      const alerts = c.alerts.filter((a) => a.version === v.version).map((a) => `${a.kind} ${a.rule}`)
      lines.push(
        `${c.from}  v${String(v.version).padEnd(6)}  ${(v.drifted.join(', ') || '—').padEnd(40)}  ${(v.predictionDrift ? 'yes' : 'no').padEnd(10)}  ${f4(v.realizedAuc).padStart(12)}  ${f4(v.ece).padStart(6)}  ${f4(v.eceNoiseFloor).padStart(6)}  ${f4(v.estimatedAuc).padStart(13)}  ${`${v.latencyP50?.toFixed(1) ?? '—'}/${v.latencyP99?.toFixed(1) ?? '—'}`.padStart(10)}  ${alerts.join('; ')}`,
      )
    }
  }
  lines.push(
    '',
    `first drift (features or prediction) in the week of ${s.firstDrift ?? '—'}; first alert in the week of ${s.firstAlert ?? '—'}`,
  )
  for (const r of s.retrains) {
    const l = r.data.lineage
    const outcome = {
      gate: 'not published (below the champion on the held-out week)',
      canary: `withdrawn after its canary ${r.canary?.from}..${r.canary?.to}`,
      promoted: `promoted after its canary ${r.canary?.from}..${r.canary?.to}`,
      'on canary': 'still on canary when the replay ended',
    }[r.outcome]
    lines.push(
      `retrain ${r.at}: v${r.version} on ${r.windows.train.from}..${r.windows.train.to} (${l.rows.toLocaleString('en-US')} labelled of ${l.captured.toLocaleString('en-US')} captured rows pulled from the Worker), AUC ${f4(r.reportAuc)} vs champion v${r.champion} ${f4(r.championAucSameRows)} on ${r.windows.report.from}..${r.windows.report.to}: ${outcome}`,
    )
  }
  const promoted = s.retrains.filter((r) => r.outcome === 'promoted').length
  lines.push(`${s.retrains.length} retrains, ${promoted} promoted; champion at the end: v${s.finalChampion}`)
  const judged = s.served.filter((w) => w.realizedAuc !== null)
  if (judged.length > 0) {
    const worst = judged.reduce((a, b) => ((b.realizedAuc ?? 1) < (a.realizedAuc ?? 1) ? b : a))
    const worstEce = judged.reduce((a, b) => ((b.ece ?? 0) > (a.ece ?? 0) ? b : a))
    lines.push(
      `served model's realized AUC: lowest week ${worst.from} (v${worst.version}) ${f4(worst.realizedAuc)}; highest ECE ${worstEce.from} (v${worstEce.version}) ${f4(worstEce.ece)}`,
    )
  }
  for (const p of promotedWeeks(s))
    lines.push(
      `v${p.version}, promoted ${p.promotedOn}, as champion: ${p.weeks.map((w) => `week of ${w.from} AUC ${f4(w.realizedAuc)} ECE ${f4(w.ece)} (noise floor ${f4(w.eceNoiseFloor)}; with each day's late share known ${f4(w.eceWithDailyRateKnown)})`).join('; ') || 'no whole week'}`,
    )
  const c = calibrationAfterPromotions(s)
  if (c.weeks > 0)
    lines.push(
      `ECE ≤ ${WEEKLY_ECE_TARGET} in the weeks after promotions: ${c.within} of ${c.weeks} as served; ${c.withinWithDailyRateKnown} of ${c.weeks} even with each day's late share known in advance (an oracle); a perfectly calibrated model would keep all ${c.weeks} within it ${c.chanceCalibratedAllWithin === null ? '(chance not measured)' : `${pct(c.chanceCalibratedAllWithin)} of the time (sampling alone)`}`,
    )
  const m = s.lastMonth.served
  lines.push(
    `${s.lastMonth.month} as served (every labelled prediction the Worker answered, from its capture): realized AUC ${f4(m.auc)}, ECE ${f4(m.ece)} on ${m.labels.toLocaleString('en-US')} labels (${Object.entries(
      m.versions,
    )
      .map(([v, n]) => `${v} ${n.toLocaleString('en-US')}`)
      .join(', ')})`,
  )
  lines.push(
    `${s.lastMonth.month} AUC, offline on the ${s.lastMonth.rows.toLocaleString('en-US')} replayed flights: ${Object.entries(
      s.lastMonth.auc,
    )
      .map(([v, auc]) => `${v}${s.lastMonth.trainedOnIt.includes(v) ? '*' : ''} ${f4(auc)}`)
      .join(
        ', ',
      )}${s.lastMonth.trainedOnIt.length > 0 ? ` (* trained, selected or reported on part of ${s.lastMonth.month}: partly in-sample)` : ''}`,
  )
  lines.push('', 'alias history:', ...s.aliasHistory.map((e) => `  ${e.at}  ${e.alias}: v${e.from ?? '—'} → v${e.to ?? '—'}  ${e.reason}`))
  lines.push('', 'dashboard: npx tarmac dashboard   (serves the monitoring page over the state this run left; docs/monitoring.md)')
  lines.push(
    'runs and models: TARMAC_ADMIN_KEY=$(openssl rand -hex 24) npx tarmac serve   (runs, sweeps, compare, models and alias history on http://127.0.0.1:8790/; docs/experiments.md)',
  )
  return lines.join('\n')
}

export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description(
      'the whole loop on the embedded defaults: train → publish → replay Apr–Jun → drift and alerts → retrain → canary → promote',
    )
    .option('--data <file>', 'flights file (default: flights-3m.parquet from vega-datasets)')
    .option('--model <name>', 'registered model name', 'flight-delay')
    .option('--experiment <name>', 'experiment to record runs in', 'flight-delay')
    .option('--sample <n>', 'replay the flights of one route in n (the fast default)', '20')
    .option('--full', 'replay every flight and train on every training row')
    .option('--label-delay <days>', "days before a flight's real delay arrives as feedback", '2')
    .option('--home <dir>', 'state folder (default: $TARMAC_HOME or ./.tarmac)')
    .option('--json', 'print machine-readable JSON')
    .option('--record <file>', 'also write the summary, the command and the machine to this JSON file (docs/data/loop.json)')
    .action(
      async (flags: {
        data?: string
        model: string
        experiment: string
        sample: string
        full?: boolean
        labelDelay: string
        home?: string
        json?: boolean
        record?: string
      }) => {
        const dataFile = flags.data ?? defaultDataPath()
        await describeSource(dataFile)
        const home = await openHome(flags.home)
        const started = performance.now()
        try {
          const summary = await runClosedLoop(home, {
            dataFile,
            model: flags.model,
            experiment: flags.experiment,
            sampleEvery: flags.full ? 1 : positiveInt('--sample')(flags.sample),
            trainRows: flags.full ? null : 200_000,
            labelDelayDays: positiveInt('--label-delay')(flags.labelDelay),
            checkpointDays: 7,
            minRetrainDays: 21,
            retrainEveryDays: 7,
            retrainWeeks: 4,
            canaryDays: 1,
            canaryPercent: 20,
            canaryMargin: 0.02,
            log: (line) => process.stderr.write(`${line}\n`),
          })
          if (flags.record) {
            // the Worker's state folder is this machine's: the docs have no use for it
            const { edgeState: _, ...recorded } = summary
            await writeRecord(flags.record, commandLine(), started, recorded)
          }
          emit(
            Boolean(flags.json),
            { ...summary, seconds: (performance.now() - started) / 1000 },
            (s) => `${formatSummary(s)}\nfinished in ${(s.seconds / 60).toFixed(1)} min`,
          )
        } finally {
          await home.close()
        }
      },
    )
}
