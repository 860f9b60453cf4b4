import { auc } from '@tarmac/sdk/metrics'
import { createTsEvaluator } from '@tarmac/sdk/onnx'
import { type ParityRows, runOrtNode, runOrtWeb } from './onnx-runtimes.ts'

/** Floors from the export spec: fp32 runtimes agree to 1e-5; int8 stays within 0.02 per row and 0.002 AUC. */
export const PARITY_LIMITS = { fp32MaxAbsDiff: 1e-5, int8MaxAbsDiff: 0.02, int8AucDrop: 0.002 } as const

export interface ParityReport {
  /** rows of the cross-runtime sample; onnxruntime-node and the AUCs cover the whole validation window */
  rows: number
  /** max |Δp| of each runtime's fp32 model against the TF.js predictions */
  fp32: Record<'ort_node' | 'ort_web' | 'ts', number>
  /** max |Δp| of each runtime's int8 model against onnxruntime-node on the same int8 model */
  int8Runtimes: Record<'ort_web' | 'ts', number>
  /** max |Δp| of int8 against fp32 (onnxruntime-node) */
  int8VsFp32: number
  aucFp32: number
  aucInt8: number
  passed: boolean
  failures: string[]
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`parity: ${a.length} vs ${b.length} predictions`)
  let m = 0
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]))
  return m
}

/**
 * Runs the fp32 and int8 models in every runtime we ship to on the same encoded rows and compares them with
 * the framework's own predictions. A failed check stops the model from being registered or published.
 */
export async function checkParity(
  fp32: Uint8Array,
  int8: Uint8Array,
  rows: ParityRows,
  tfjs: Float32Array,
  labels: Uint8Array,
  sampleRows: number,
): Promise<ParityReport> {
  const nodeFp32 = await runOrtNode(fp32, rows)
  const nodeInt8 = await runOrtNode(int8, rows)
  const n = Math.min(sampleRows, rows.rows)
  const w = rows.numeric.length / rows.rows
  const sample = {
    rows: n,
    numeric: rows.numeric.subarray(0, n * w),
    origin: rows.origin.subarray(0, n),
    destination: rows.destination.subarray(0, n),
  }
  const inputs = { numeric: sample.numeric, origin: sample.origin, destination: sample.destination }
  const head = (a: Float32Array) => a.subarray(0, n)
  const report: ParityReport = {
    rows: n,
    fp32: {
      ort_node: maxAbsDiff(nodeFp32, tfjs),
      ort_web: maxAbsDiff(await runOrtWeb(fp32, sample), head(tfjs)),
      ts: maxAbsDiff(createTsEvaluator(fp32).run(inputs, n), head(tfjs)),
    },
    int8Runtimes: {
      ort_web: maxAbsDiff(await runOrtWeb(int8, sample), head(nodeInt8)),
      ts: maxAbsDiff(createTsEvaluator(int8).run(inputs, n), head(nodeInt8)),
    },
    int8VsFp32: maxAbsDiff(nodeInt8, nodeFp32),
    aucFp32: auc(labels, nodeFp32),
    aucInt8: auc(labels, nodeInt8),
    passed: true,
    failures: [],
  }
  for (const [runtime, d] of Object.entries(report.fp32)) {
    if (d > PARITY_LIMITS.fp32MaxAbsDiff)
      report.failures.push(`fp32 ${runtime} differs from TF.js by ${d.toExponential(2)} > ${PARITY_LIMITS.fp32MaxAbsDiff}`)
  }
  for (const [runtime, d] of Object.entries(report.int8Runtimes)) {
    if (d > PARITY_LIMITS.fp32MaxAbsDiff) report.failures.push(`int8 ${runtime} differs from onnxruntime-node by ${d.toExponential(2)}`)
  }
  if (report.int8VsFp32 > PARITY_LIMITS.int8MaxAbsDiff)
    report.failures.push(`int8 differs from fp32 by ${report.int8VsFp32.toFixed(4)} > ${PARITY_LIMITS.int8MaxAbsDiff}`)
  if (report.aucFp32 - report.aucInt8 > PARITY_LIMITS.int8AucDrop) {
    report.failures.push(`int8 AUC drops by ${(report.aucFp32 - report.aucInt8).toFixed(4)} > ${PARITY_LIMITS.int8AucDrop}`)
  }
  report.passed = report.failures.length === 0
  return report
}
