import type { FeatureDrift } from '@tarmac/sdk/drift'
import type { Command } from 'commander'
import { createLocalScorer } from '../batch/local.ts'
import { parseModelRef, resolveModel } from '../batch/model.ts'
import { driftOfFiles, type FileDrift } from '../drift/files.ts'
import { openHome } from '../home.ts'
import { createProgress } from '../progress.ts'
import { MISSING, table } from './format-human.ts'
import { emit } from './output.ts'

interface DriftFlags {
  reference: string
  current: string
  model: string
  failOnDrift?: boolean
  home?: string
  json?: boolean
}

const fixed = (x: number | undefined, digits: number) => (x === undefined ? MISSING : x.toFixed(digits))

function row(name: string, f: FeatureDrift): string[] {
  const p = f.pValue === undefined ? MISSING : f.pValue < 1e-4 ? f.pValue.toExponential(1) : f.pValue.toFixed(4)
  return [
    name,
    f.method,
    fixed(f.statistic, 4),
    p,
    `${f.threshold} on ${f.thresholdOn === 'pValue' ? 'p' : 'stat'}`,
    f.drifted ? 'DRIFT' : 'ok',
  ]
}

function human(d: FileDrift): string {
  const side = (label: string, s: FileDrift['reference']) =>
    `${label}: ${s.file}, ${(s.rows - s.rejected).toLocaleString('en-US')} rows profiled${s.rejected ? `, ${s.rejected} rejected` : ''}`
  const r = d.report
  const drifted = r.features.filter((f) => f.drifted).length
  return [
    side('reference', d.reference),
    side('current  ', d.current),
    `scored with ${d.model}`,
    '',
    table([
      ['feature', 'method', 'statistic', 'p-value', 'threshold', 'verdict'],
      ...r.features.map((f) => row(f.feature, f)),
      row('(prediction)', r.prediction),
    ]),
    '',
    `dataset drift: ${r.datasetDrift ? 'YES' : 'no'} (${drifted} of ${r.features.length} features drifted, share ${r.driftedShare.toFixed(2)})`,
  ].join('\n')
}

export function registerDriftCommand(program: Command): void {
  program
    .command('drift')
    .description('drift of a file of flights against a reference file, per feature and for the model’s prediction (the edge cron’s code)')
    .requiredOption('--reference <file>', 'the reference flights: .csv (with a header), .jsonl or .parquet, columns as in the data set')
    .requiredOption('--current <file>', 'the flights to compare with it, same formats')
    .option('--model <ref>', 'the model whose predictions are profiled: NAME, NAME@alias or NAME@version', 'flight-delay@champion')
    .option('--fail-on-drift', 'exit with code 1 when the dataset drifted (for CI and cron jobs)')
    .option('--home <dir>', 'state folder (default: $TARMAC_HOME or ./.tarmac)')
    .option('--json', 'print machine-readable JSON')
    .action(async (flags: DriftFlags) => {
      const ref = parseModelRef(flags.model)
      const home = await openHome(flags.home)
      try {
        const scorer = await createLocalScorer(await resolveModel(home, ref))
        try {
          const drift = await driftOfFiles(flags.reference, flags.current, scorer, (side) => createProgress(`profile ${side}`))
          emit(Boolean(flags.json), drift, human)
          // exitCode rather than exit(): stdout may still be draining into a pipe
          if (flags.failOnDrift && drift.report.datasetDrift) process.exitCode = 1
        } finally {
          await scorer.close()
        }
      } finally {
        await home.close()
      }
    })
}
