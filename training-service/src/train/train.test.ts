import { describe, expect, it } from 'vitest'
import type { FlightColumns } from '../data/dataset.ts'
import { SYNTHETIC_SHAPE, syntheticSplit } from '../testing/splits.ts'
import { originHourBaseline } from './baseline.ts'
import { type TrialConfig, trialConfigSchema } from './family.ts'
import { expandSweep, runTrials, sweepSchema } from './sweep.ts'
import { trainTrial } from './trainer.ts'

const shape = SYNTHETIC_SHAPE

const config = (over: Partial<TrialConfig>): TrialConfig =>
  trialConfigSchema.parse({ family: 'mlp', hidden: [8], epochs: 2, batchSize: 256, learningRate: 0.02, ...over })
const train = syntheticSplit(3000, 1)
const validate = syntheticSplit(1000, 2)
const weightsOf = (net: Awaited<ReturnType<typeof trainTrial>>['net']) => [
  ...net.embeddings.map((e) => Array.from(e.table)),
  ...net.layers.flatMap((l) => [Array.from(l.weights), Array.from(l.bias)]),
]

describe('training', () => {
  it('gives bit-identical weights for the same seed and different ones for another seed', async () => {
    const a = await trainTrial(config({ seed: 3 }), shape, train, validate)
    const b = await trainTrial(config({ seed: 3 }), shape, train, validate)
    const c = await trainTrial(config({ seed: 4 }), shape, train, validate)
    expect(weightsOf(b.net)).toEqual(weightsOf(a.net))
    expect(weightsOf(c.net)).not.toEqual(weightsOf(a.net))
    expect(a.history.map((e) => e.epoch)).toEqual([1, 2])
    expect(a.history[1].valAuc).toBeGreaterThan(0.7)
  })

  it('gives the same weights on a worker thread as in process', async () => {
    const [onWorker] = await runTrials([{ index: 0, config: config({ seed: 3 }), shape, train, validate }], () => {}, 1)
    const inProcess = await trainTrial(config({ seed: 3 }), shape, train, validate)
    expect(weightsOf(onWorker.net)).toEqual(weightsOf(inProcess.net))
  })

  it('exports logistic regression as a single sigmoid layer over the numeric input', async () => {
    const r = await trainTrial(config({ family: 'logreg', learningRate: 0.05 }), shape, train, validate)
    expect(r.net.embeddings).toEqual([])
    expect(r.net.layers.map((l) => [l.inputs, l.units, l.activation])).toEqual([[shape.numericWidth, 1, 'sigmoid']])
  })
})

describe('sweep files', () => {
  it('expands explicit trials and the grid over the base', () => {
    const sweep = sweepSchema.parse({
      base: { epochs: 2 },
      trials: [{ family: 'logreg' }],
      grid: { family: ['mlp'], learningRate: [0.001, 0.01] },
    })
    const trials = expandSweep(sweep)
    expect(trials.map((t) => [t.family, t.learningRate, t.epochs])).toEqual([
      ['logreg', 0.002, 2],
      ['mlp', 0.001, 2],
      ['mlp', 0.01, 2],
    ])
  })

  it.each([
    [{ trials: [{ family: 'mlp', epochs: -1 }] }, 'trial 1: epochs must be a positive number of epochs'],
    [{ trials: [{ family: 'mlp' }, { family: 'forest' }] }, 'trial 2: family'],
    [{ trials: [] }, 'the sweep has no trials'],
  ])('names the trial and field of a bad sweep %o', (raw, message) => {
    expect(() => expandSweep(sweepSchema.parse(raw))).toThrow(message)
  })
})

describe('baseline', () => {
  it('scores each validation flight with its (origin, hour) training delay rate, the global rate when unseen', () => {
    const at = (h: number) => Date.UTC(2001, 0, 1, h, 30)
    const columns = (rows: [string, number, number][]): FlightColumns => ({
      size: rows.length,
      origin: rows.map((r) => r[0]),
      destination: rows.map(() => 'LAX'),
      departureMs: Float64Array.from(rows, (r) => at(r[1])),
      delay: Float32Array.from(rows, (r) => r[2]),
      distance: Float32Array.from(rows, () => 300),
    })
    const trainCols = columns([
      ['SFO', 7, 30],
      ['SFO', 7, 0],
      ['SFO', 7, 20],
      ['ORD', 9, 0],
    ])
    const { scores, labels } = originHourBaseline(
      trainCols,
      columns([
        ['SFO', 7, 16],
        ['ORD', 9, 3],
        ['DEN', 9, 40],
      ]),
    )
    expect(Array.from(scores)).toEqual([Math.fround(2 / 3), 0, 0.5])
    expect(Array.from(labels)).toEqual([1, 0, 1])
  })
})
