import { fitReferenceProfileSpec, type Profile, profileFlights } from '@tarmac/sdk/drift'
import { createTsEvaluator } from '@tarmac/sdk/onnx'
import { exportOnnx } from '../../export/bundle.ts'
import { type Featurized, flightsOf, labelledIndex } from '../../train/features.ts'
import type { Step } from '../runner.ts'
import type { Ingested } from './ingest.ts'
import type { TrainOutput } from './train.ts'

export interface ExportOutput {
  fp32: Uint8Array
  int8: Uint8Array
  referenceProfile: Profile
  /** µs per row of the TS evaluator on the int8 model, single-row calls */
  latencyUs: number
}

/** The best network as ONNX (fp32 and int8), with the drift reference profile and the edge's single-row latency. */
export function exportStep(): Step<'export', { ingest: Ingested; featurize: Featurized; train: TrainOutput }, ExportOutput> {
  return {
    name: 'export',
    version: 2,
    needs: { ingest: true, featurize: true, train: true },
    params: null,
    cache: true,
    async run(inputs, log) {
      const data = inputs.ingest
      const t = inputs.train
      const models = exportOnnx(t.net, { producer: 'tarmac', data_version: data.dataVersion })
      // The reference is the validation window as the model will be served: out of sample, served encoding.
      const validateFlights = flightsOf(data.validate, labelledIndex(data.validate))
      const spec = fitReferenceProfileSpec(validateFlights, t.valPredictions)
      const referenceProfile = profileFlights(validateFlights, t.valPredictions, spec)
      const latencyUs = singleRowLatencyUs(models.int8, inputs.featurize)
      log(
        `model.onnx ${models.fp32.byteLength} bytes, model.int8.onnx ${models.int8.byteLength} bytes (${((100 * models.int8.byteLength) / models.fp32.byteLength).toFixed(0)}%), ${latencyUs.toFixed(1)} µs/row`,
      )
      return { ...models, referenceProfile, latencyUs }
    },
  }
}

/** Median µs of one single-row prediction with the pure-TS evaluator: the latency the edge's fast path pays. */
function singleRowLatencyUs(model: Uint8Array, f: Featurized): number {
  const evaluator = createTsEvaluator(model)
  const w = f.validate.width
  const times: number[] = []
  for (let r = 0; r < 2000; r++) {
    const row = r % f.validate.rows
    const inputs = {
      numeric: f.validate.numeric.subarray(row * w, row * w + w),
      origin: f.validate.origin.subarray(row, row + 1),
      destination: f.validate.destination.subarray(row, row + 1),
    }
    const start = performance.now()
    evaluator.run(inputs, 1)
    times.push(performance.now() - start)
  }
  times.sort((a, b) => a - b)
  return times[times.length >> 1] * 1000
}
