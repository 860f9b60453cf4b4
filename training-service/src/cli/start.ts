import type { Command } from 'commander'
import { defaultDataPath, describeSource } from '../data/source.ts'
import { openHome } from '../home.ts'
import { type LoopSummary, runClosedLoop } from '../loop/closed-loop.ts'
import { positiveInt } from './format-command.ts'
import { emit } from './output.ts'

const f4 = (x: number | null | undefined) => (x === null || x === undefined ? '—' : x.toFixed(4))

function formatSummary(s: LoopSummary): string {
  const lines = [
    '',
    `data ${s.data.dataVersion}: ${s.data.trainRows.toLocaleString('en-US')} training flights, ${s.data.replayRows.toLocaleString('en-US')} replayed as production (${s.replay.predictions.toLocaleString('en-US')} sent, ${s.replay.labels.toLocaleString('en-US')} labels, ${s.replay.seconds.toFixed(0)}s)`,
    `champion v${s.champion.version}: report AUC ${f4(s.champion.reportAuc)} vs baseline ${f4(s.champion.baselineAuc)} (March 16–31, untouched by selection)`,
    '',
    'week        version  drifted features                          pred drift  realized AUC  estimated AUC  p50/p99 ms  alerts',
  ]
  for (const c of s.checkpoints) {
    for (const v of c.versions) {
      const alerts = c.alerts.filter((a) => a.version === v.version).map((a) => `${a.kind} ${a.rule}`)
      lines.push(
        `${c.from}  v${String(v.version).padEnd(6)}  ${(v.drifted.join(', ') || '—').padEnd(40)}  ${(v.predictionDrift ? 'yes' : 'no').padEnd(10)}  ${f4(v.realizedAuc).padStart(12)}  ${f4(v.estimatedAuc).padStart(13)}  ${`${v.latencyP50?.toFixed(1) ?? '—'}/${v.latencyP99?.toFixed(1) ?? '—'}`.padStart(10)}  ${alerts.join('; ')}`,
      )
    }
  }
  lines.push(
    '',
    `first drift (features or prediction) in the week of ${s.firstDrift ?? '—'}; first alert in the week of ${s.firstAlert ?? '—'}`,
  )
  if (s.retrain) {
    const l = s.retrain.data.lineage
    lines.push(
      `pulled from the Worker's capture ${l.window.from.slice(0, 10)}..${l.window.to.slice(0, 10)}: ${l.rows.toLocaleString('en-US')} labelled of ${l.captured.toLocaleString('en-US')} captured rows (${((l.labelCoverage ?? 0) * 100).toFixed(1)}% label coverage, sample rate ${l.sampleRates.join(', ')})`,
      `retrained v${s.retrain.version} on ${s.retrain.windows.train.from}..${s.retrain.windows.train.to}: AUC ${f4(s.retrain.reportAuc)} vs champion ${f4(s.retrain.championAucSameRows)} on ${s.retrain.windows.report.from}..${s.retrain.windows.report.to}`,
    )
  }
  lines.push(
    s.promotion
      ? `promoted v${s.promotion.version} at ${s.promotion.at} (canary realized AUC ${JSON.stringify(s.promotion.canaryAuc)})`
      : 'no promotion',
  )
  lines.push(
    `June AUC: ${Object.entries(s.june)
      .map(([v, r]) => `${v} ${f4(r.auc)}`)
      .join(', ')} (${Object.values(s.june)[0]?.rows.toLocaleString('en-US') ?? 0} flights)`,
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
    .option('--sample <n>', 'replay one flight in n (the fast default)', '20')
    .option('--full', 'replay every flight and train on every training row')
    .option('--label-delay <days>', "days before a flight's real delay arrives as feedback", '2')
    .option('--home <dir>', 'state folder (default: $TARMAC_HOME or ./.tarmac)')
    .option('--json', 'print machine-readable JSON')
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
            canaryDays: 7,
            canaryPercent: 20,
            log: (line) => process.stderr.write(`${line}\n`),
          })
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
