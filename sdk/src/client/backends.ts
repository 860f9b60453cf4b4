import { createOrtEngine } from '../engine/ort.ts'
import { createTsEngine } from '../engine/ts.ts'
import type { EngineCandidate } from '../engine/types.ts'
import type { Backend, OrtLoaders, OrtModule } from './types.ts'

/** Each build is imported only when it is about to be used, so the page downloads one ORT variant. */
export const defaultOrtLoaders: OrtLoaders = {
  webgpu: () => import('onnxruntime-web/webgpu'),
  wasm: () => import('onnxruntime-web/wasm'),
}

interface GpuLike {
  requestAdapter(): Promise<unknown>
}

/**
 * ORT given ['webgpu', 'wasm'] silently runs on wasm when WebGPU is missing, so the adapter is probed
 * here and the webgpu session gets no wasm fallback: whichever engine serves is the one that runs.
 */
export async function hasWebGpuAdapter(): Promise<boolean> {
  const gpu = (globalThis.navigator as (Navigator & { gpu?: GpuLike }) | undefined)?.gpu
  if (!gpu) return false
  try {
    return (await gpu.requestAdapter()) != null
  } catch {
    return false
  }
}

function configure(ort: OrtModule): OrtModule {
  // a few-kilobyte MLP: threads cost more in hand-offs than they save
  ort.env.wasm.numThreads = 1
  ort.env.wasm.proxy = false
  ort.env.logLevel = 'error'
  return ort
}

/**
 * Above this many int8 graph bytes onnxruntime-web's SIMD kernels outrun the TS engine on one row, so 'ts' yields
 * its place to the ORT backends the caller listed. Measured (one row, Node 24, the exporter's MLP at growing
 * widths): TS ahead at 18 KB (hidden 128/64) and 50 KB (256/128), behind at 97 KB (384/192) and 162 KB (512/256).
 */
export const TS_ENGINE_MAX_MODEL_BYTES = 64_000

/** The caller's order, with 'ts' moved behind the ORT backends for a model too large for it. */
export function backendOrder(backends: readonly Backend[], modelBytes: number): Backend[] {
  if (modelBytes <= TS_ENGINE_MAX_MODEL_BYTES || !backends.includes('ts')) return [...backends]
  const ort = backends.filter((b) => b === 'webgpu' || b === 'wasm')
  const rest = backends.filter((b) => b !== 'ts' && b !== 'webgpu' && b !== 'wasm')
  return [...ort, 'ts', ...rest]
}

/** On-device engines for the requested backends, in their order; 'edge' is the predictor's own fallback. */
export async function onDeviceCandidates(model: Uint8Array, backends: readonly Backend[], loaders: OrtLoaders): Promise<EngineCandidate[]> {
  const candidates: EngineCandidate[] = []
  for (const backend of backendOrder(backends, model.length)) {
    if (backend === 'ts') {
      // no import, no wasm: the engine is part of the SDK bundle
      candidates.push({ name: 'ts', create: async () => createTsEngine(model) })
    } else if (backend === 'webgpu' && (await hasWebGpuAdapter())) {
      candidates.push({
        name: 'ort-webgpu',
        create: async () =>
          createOrtEngine(configure(await loaders.webgpu()), model, { name: 'ort-webgpu', executionProviders: ['webgpu'] }),
      })
    } else if (backend === 'wasm') {
      candidates.push({
        name: 'ort-wasm',
        create: async () => createOrtEngine(configure(await loaders.wasm()), model, { name: 'ort-wasm', executionProviders: ['wasm'] }),
      })
    }
  }
  return candidates
}
