import { encodeFlights, fromInstance } from '@tarmac/sdk/features'
import { describe, expect, it } from 'vitest'
import { createTsEngine, EngineRegistry, NoEngineError } from '../../sdk/src/engine/index.ts'
import { ORT_CROSSOVER_ROWS, servingEngines } from '../src/models/engines.ts'
import { createWorkerdOrtEngine } from '../src/models/ort-workerd.ts'
import { encoder, instances, makeModel } from './fixtures.ts'

describe('engines inside workerd', () => {
  it('ONNX Runtime (wasm, precompiled module) equals the TS engine within 1e-5, fp32 and int8', async () => {
    const model = await makeModel('engine-model', 1, 202)
    const batch = encodeFlights(instances(300, 3).map(fromInstance), encoder)
    for (const bytes of [model.fp32, model.int8]) {
      const ts = await createTsEngine(bytes).run(batch)
      const ort = await createWorkerdOrtEngine(bytes)
      expect(ort.name).toBe('ort-wasm')
      const out = await ort.run(batch)
      expect(out).toHaveLength(300)
      const maxDiff = Math.max(...out.map((p, i) => Math.abs(p - ts[i])))
      expect(maxDiff).toBeLessThanOrEqual(1e-5)
    }
  })

  it('the registry falls back to the next engine and records why', async () => {
    const model = await makeModel('engine-model', 1, 202)
    const registry = new EngineRegistry([
      { name: 'ts', create: async () => createTsEngine(new Uint8Array([1, 2, 3])) },
      { name: 'ort-wasm', create: () => createWorkerdOrtEngine(model.fp32) },
    ])
    const batch = encodeFlights(instances(5, 4).map(fromInstance), encoder)
    const { engine, probabilities } = await registry.run(batch)
    expect(engine).toBe('ort-wasm')
    expect(probabilities).toHaveLength(5)
    expect(registry.failures).toMatchObject([{ name: 'ts', stage: 'init' }])
  })

  it('runs a batch below the crossover on the TS engine and one at it on ONNX Runtime, with the same probabilities', async () => {
    const model = await makeModel('engine-model', 1, 202)
    const engines = servingEngines(model.int8, 'ts')
    expect((await engines.engine()).name).toBe('ts')
    const rows = instances(ORT_CROSSOVER_ROWS, 5).map(fromInstance)
    const small = await engines.run(encodeFlights(rows.slice(0, ORT_CROSSOVER_ROWS - 1), encoder))
    const large = await engines.run(encodeFlights(rows, encoder))
    expect([small.engine, large.engine]).toEqual(['ts', 'ort-wasm'])
    expect(Math.max(...small.probabilities.map((p, i) => Math.abs(p - large.probabilities[i])))).toBeLessThanOrEqual(1e-5)
    // ENGINE=ort: every batch on ORT
    const ort = servingEngines(model.int8, 'ort')
    expect((await ort.run(encodeFlights(rows.slice(0, 1), encoder))).engine).toBe('ort-wasm')
  })

  it('reports every failure when no engine can run the model', async () => {
    const registry = new EngineRegistry([{ name: 'ts', create: async () => createTsEngine(new Uint8Array([9])) }])
    await expect(registry.engine()).rejects.toBeInstanceOf(NoEngineError)
  })
})
