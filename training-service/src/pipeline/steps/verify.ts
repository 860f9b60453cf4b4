import { checkParity, type ParityReport } from '../../export/parity.ts'
import type { Featurized } from '../../train/features.ts'
import type { Step } from '../runner.ts'
import type { ExportOutput } from './export.ts'
import type { TrainOutput } from './train.ts'

/** Rows every runtime is compared on; int8 vs fp32 quality is measured on the whole validation window. */
const PARITY_SAMPLE_ROWS = 20_000

/** The exported models against TF.js on every runtime that serves them; a failed check fails the run. */
export function verifyStep(): Step<'verify', { featurize: Featurized; train: TrainOutput; export: ExportOutput }, ParityReport> {
  return {
    name: 'verify',
    version: 1,
    needs: { featurize: true, train: true, export: true },
    params: null,
    cache: true,
    async run(inputs, log) {
      const f = inputs.featurize
      const t = inputs.train
      const x = inputs.export
      const report = await checkParity(x.fp32, x.int8, f.validate, t.valPredictions, f.validate.labels, PARITY_SAMPLE_ROWS)
      log(
        `fp32 max |Δ| vs TF.js: ort-node ${report.fp32.ort_node.toExponential(1)}, ort-web ${report.fp32.ort_web.toExponential(1)}, ts ${report.fp32.ts.toExponential(1)}; int8 vs fp32 ${report.int8VsFp32.toFixed(4)}, AUC ${report.aucFp32.toFixed(4)} → ${report.aucInt8.toFixed(4)}`,
      )
      if (!report.passed) throw new Error(`parity check failed: ${report.failures.join('; ')}`)
      return report
    },
  }
}
