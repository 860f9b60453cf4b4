import { mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_WINDOWS } from '../data/windows.ts'
import { type Home, openHome } from '../home.ts'
import { DEFAULT_SWEEP } from '../train/sweep.ts'
import { mermaidFlowchart } from './diagram.ts'
import { pipeline } from './runner.ts'
import type { TrainSettings } from './settings.ts'
import { evaluateStep } from './steps/evaluate.ts'
import { featurizeStep } from './steps/featurize.ts'
import { ingestStep } from './steps/ingest.ts'
import { trainPipeline } from './train-pipeline.ts'

const settings: TrainSettings = {
  dataFile: 'flights.csv',
  windows: DEFAULT_WINDOWS,
  sweep: DEFAULT_SWEEP,
  trainRows: 1000,
  seed: 7,
  smoothing: 20,
  folds: 5,
}
const DOC = new URL('../../../docs/training.md', import.meta.url)
let home: Home

beforeAll(async () => {
  home = await openHome(path.join(await mkdtemp(path.join(tmpdir(), 'tarmac-dag-')), 'home'))
})
afterAll(() => home.close())

const dag = () => trainPipeline(settings, {}, { db: home.db, store: home.store, runId: 'run', model: 'flight-delay' })

describe('the training DAG', () => {
  it('is the diagram docs/training.md shows', async () => {
    const doc = await readFile(DOC, 'utf8')
    const shown = /```mermaid\n([\s\S]*?)```/.exec(doc)?.[1]
    const drawn = mermaidFlowchart(dag().steps)
    expect(shown, `docs/training.md must show the DAG as:\n\`\`\`mermaid\n${drawn}\`\`\``).toBe(drawn)
  })

  it('ends with the register step, which needs every other step', () => {
    const steps = dag().steps
    expect(steps.map((s) => s.name)).toEqual(['ingest', 'baseline', 'featurize', 'train', 'evaluate', 'export', 'verify', 'register'])
    expect(Object.keys(steps[7].needs)).toEqual(steps.slice(0, 7).map((s) => s.name))
  })

  it('does not compile a step whose dependency is missing', () => {
    const partial = pipeline().add(ingestStep(settings)).add(featurizeStep(settings))
    // @ts-expect-error: evaluate needs the train step's output, and this pipeline has no train step
    expect(() => partial.add(evaluateStep())).toThrow('step "evaluate" needs "train", which is not an earlier step')
  })
})
