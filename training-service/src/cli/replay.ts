import type { Command } from 'commander'
import { type FlightColumns, loadDataset, pickRows } from '../data/dataset.ts'
import { defaultDataPath, describeSource } from '../data/source.ts'
import { windowSchema } from '../data/windows.ts'
import { UserInputError } from '../errors.ts'
import { drainTelemetry, type MonitoringRun, runMonitoring } from '../loop/monitor-client.ts'
import { type ReplayStats, replayedFlights, replayTraffic } from '../loop/replay.ts'
import { createProgress } from '../progress.ts'
import { nonNegative, positiveInt, workerUrl } from './format-command.ts'
import { emit } from './output.ts'

interface ReplayFlags {
  url: string
  model: string
  data?: string
  from: string
  to: string
  sample: number
  labelDelay: number
  checkpointDays: number
  concurrency: number
  monitor?: boolean
  mode: string
  json?: boolean
}

interface Checkpoint {
  from: string
  to: string
  predictions: number
  /** with --monitor: what the Worker's monitoring pass found per version */
  versions: { version: number; drifted: string[]; predictionDrift: boolean; realizedAuc: number | null; labels: number }[]
  alerts: { kind: string; rule: string; version: number }[]
}

const DAY = (ms: number) => new Date(ms).toISOString().slice(0, 10)

/** The rows in departure order: the replay's clock only moves forward. */
function inTimeOrder(f: FlightColumns): FlightColumns {
  const order = Array.from({ length: f.size }, (_, i) => i).sort((a, b) => f.departureMs[a] - f.departureMs[b])
  return order.every((v, i) => v === i) ? f : pickRows(f, order)
}

function checkpointOf(from: number, to: number, predictions: number, run: MonitoringRun | null): Checkpoint {
  return {
    from: DAY(from),
    to: DAY(to),
    predictions,
    versions: (run?.evaluations ?? []).map((e) => ({
      version: e.version,
      drifted: e.drift?.report.features.filter((f) => f.drifted).map((f) => f.feature) ?? [],
      predictionDrift: e.drift?.report.prediction.drifted ?? false,
      realizedAuc: e.performance.realized.auc,
      labels: e.performance.realized.labels,
    })),
    alerts: (run?.changes ?? [])
      .filter((c) => c.kind !== 'updated')
      .map((c) => ({ kind: c.kind, rule: c.alert.rule, version: c.alert.version })),
  }
}

export function registerReplayCommand(program: Command): void {
  program
    .command('replay')
    .description('replay a window of real flights through a Worker as production traffic, the real delays following as late labels')
    .requiredOption('--url <url>', "the Worker's base URL, e.g. http://127.0.0.1:8787 (admin key from $TARMAC_ADMIN_KEY)")
    .option('--model <name>', 'registered model name the Worker serves', 'flight-delay')
    .option('--data <file>', 'flights file (default: flights-3m.parquet from vega-datasets)')
    .option('--from <date>', 'first departure day replayed (ISO date)', '2001-04-01')
    .option('--to <date>', 'day after the last one replayed (ISO date)', '2001-07-01')
    .option('--sample <n>', 'send the flights of one route in n', positiveInt('--sample'), 20)
    .option('--label-delay <days>', "days before a flight's real delay is sent as feedback", nonNegative('--label-delay'), 2)
    .option(
      '--checkpoint-days <n>',
      'replayed days between checkpoints (labels flushed, monitoring with --monitor)',
      positiveInt('--checkpoint-days'),
      7,
    )
    .option('--concurrency <n>', 'requests in flight', positiveInt('--concurrency'), 3)
    .option(
      '--mode <mode>',
      'predict: POST /v1/models/{name}/predict; stream: departure events through POST /v1/streams/{name}/events',
      'predict',
    )
    .option('--monitor', "run the Worker's monitoring pass over each checkpoint window once its telemetry is aggregated")
    .option('--json', 'print machine-readable JSON')
    .action(async (flags: ReplayFlags) => {
      const adminKey = process.env.TARMAC_ADMIN_KEY
      // the replayed clock (X-Tarmac-Event-Time) and the monitoring pass are admin actions
      if (!adminKey)
        throw new UserInputError('TARMAC_ADMIN_KEY must hold the Worker’s admin key: replays date telemetry by the replayed clock')
      if (flags.mode !== 'predict' && flags.mode !== 'stream')
        throw new UserInputError(`--mode: must be predict or stream, got '${flags.mode}'`)
      const window = windowSchema.safeParse({ from: flags.from, to: flags.to })
      if (!window.success) throw new UserInputError(`--from/--to: ${window.error.issues[0].message} (ISO dates, from before to)`)
      const target = { url: workerUrl('--url', flags.url), adminKey, model: flags.model }
      const dataFile = flags.data ?? defaultDataPath()
      await describeSource(dataFile)
      // only the replay window is read: the others are empty days before any data
      const none = { from: '1900-01-01', to: '1900-01-02' }
      const ds = await loadDataset(dataFile, {
        windows: {
          train: none,
          validate: { from: '1900-01-02', to: '1900-01-03' },
          report: { from: '1900-01-03', to: '1900-01-04' },
          replay: window.data,
        },
        progress: createProgress('read'),
      })
      const flights = inTimeOrder(ds.splits.replay)
      if (flights.size === 0) throw new UserInputError(`${dataFile} has no valid flights departing in ${flags.from}..${flags.to}`)
      const log = (line: string) => process.stderr.write(`${line}\n`)
      log(
        `replaying ${replayedFlights(flights, flags.sample).size.toLocaleString('en-US')} of ${flights.size.toLocaleString('en-US')} flights (the routes of one in ${flags.sample}) to ${target.url}`,
      )
      const checkpoints: Checkpoint[] = []
      const stats: ReplayStats = await replayTraffic(target, flights, {
        sampleEvery: flags.sample,
        labelDelayDays: flags.labelDelay,
        checkpointDays: flags.checkpointDays,
        batchSize: 500,
        concurrency: flags.concurrency,
        log,
        // a fresh stream per run: event ids are the flights' rows, and a stream scores each id once
        stream:
          flags.mode === 'stream'
            ? {
                name: `replay-${Date.now().toString(36)}`,
                settle: async (from, to, events) => {
                  const scored = await drainTelemetry(target, from, to, events)
                  if (scored < events) log(`  stream: ${scored} of ${events} events scored after waiting`)
                },
              }
            : undefined,
        onCheckpoint: async (from, to, predictions) => {
          let run: MonitoringRun | null = null
          if (flags.monitor) {
            const aggregated = await drainTelemetry(target, from, to, predictions)
            if (aggregated < predictions) log(`  telemetry: ${aggregated} of ${predictions} predictions aggregated after waiting`)
            run = await runMonitoring(target, from, to)
          }
          const checkpoint = checkpointOf(from, to, predictions, run)
          checkpoints.push(checkpoint)
          for (const v of checkpoint.versions) {
            log(
              `  v${v.version}: drifted [${v.drifted.join(', ') || 'none'}]${v.predictionDrift ? ' + prediction' : ''}, realized AUC ${v.realizedAuc?.toFixed(4) ?? '—'} (${v.labels} labels)`,
            )
          }
          for (const a of checkpoint.alerts) log(`  alert ${a.kind}: ${a.rule} on v${a.version}`)
        },
      })
      emit(Boolean(flags.json), { ...stats, dataVersion: ds.dataVersion, checkpoints }, (s) =>
        [
          `replayed ${s.predictions.toLocaleString('en-US')} predictions and ${s.labels.toLocaleString('en-US')} labels in ${s.seconds.toFixed(0)}s`,
          `answered by: ${Object.entries(s.versions)
            .map(([v, n]) => `v${v} ${n.toLocaleString('en-US')}`)
            .join(', ')}`,
        ].join('\n'),
      )
    })
}
