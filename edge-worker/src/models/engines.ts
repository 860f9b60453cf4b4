import { createTsEngine, type EngineCandidate, EngineRegistry } from '../../../sdk/src/engine/index.ts'
import type { EnginePreference } from '../config.ts'

/**
 * Engine order per ENGINE: the TS evaluator first by default (no wasm, instant init), ONNX Runtime
 * behind it for graphs the evaluator refuses; ENGINE=ort swaps them. ORT is imported lazily so an
 * isolate that never needs it never evaluates its 70 kB of glue.
 */
export function engineRegistry(model: Uint8Array, preference: EnginePreference): EngineRegistry {
  const ts: EngineCandidate = { name: 'ts', create: async () => createTsEngine(model) }
  const ort: EngineCandidate = {
    name: 'ort-wasm',
    create: async () => (await import('./ort-workerd.ts')).createWorkerdOrtEngine(model),
  }
  return new EngineRegistry(preference === 'ort' ? [ort, ts] : [ts, ort])
}
