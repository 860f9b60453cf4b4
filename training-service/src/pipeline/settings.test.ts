import { describe, expect, it } from 'vitest'
import { UserInputError } from '../errors.ts'
import { type RecordedSettings, settingsFromParams, settingsToParams } from './settings.ts'

const settings: RecordedSettings = {
  dataFile: '/data/flights.parquet',
  windows: {
    train: { from: '2001-01-01', to: '2001-03-01' },
    validate: { from: '2001-03-01', to: '2001-03-16' },
    report: { from: '2001-03-16', to: '2001-04-01' },
    replay: { from: '2001-04-01', to: '2001-07-01' },
  },
  sweep: { base: { epochs: 2 }, trials: [{ family: 'mlp', hidden: [16] }], grid: { learningRate: [0.001, 0.003] } },
  trainRows: 20_000,
  seed: 7,
  smoothing: 20,
  folds: 5,
}

/** Params as the tracking store gives them back: every value a string. */
const stored = (params: Record<string, string | number>) => Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)]))

describe('the settings ⇄ run params codec', () => {
  it('gives back the settings and model a run recorded, so --resume runs the same pipeline', () => {
    expect(settingsFromParams('r1', stored(settingsToParams(settings, 'flight-delay')))).toEqual({ settings, model: 'flight-delay' })
    const all = { ...settings, trainRows: null }
    expect(settingsFromParams('r1', stored(settingsToParams(all, 'm'))).settings.trainRows).toBeNull()
  })

  it('refuses a run that did not record its settings, naming the run', () => {
    const params = stored(settingsToParams(settings, 'm'))
    delete params.sweep
    expect(() => settingsFromParams('r1', params)).toThrow(UserInputError)
    expect(() => settingsFromParams('r1', params)).toThrow('run r1 did not record its settings (data, windows, sweep)')
  })
})
