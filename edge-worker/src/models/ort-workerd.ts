// wrangler (CompiledWasm rule) hands this over as a WebAssembly.Module compiled at upload time
import ortWasm from 'onnxruntime-web/ort-wasm-simd-threaded.wasm'
import * as ort from 'onnxruntime-web/wasm'
import { createOrtEngine, type InferenceEngine } from '../../../sdk/src/engine/index.ts'

/** "\0asm" + "tarm": never a real module, only a token the patched instantiate recognises. */
const MARKER = Uint8Array.of(0x00, 0x61, 0x73, 0x6d, 0x74, 0x61, 0x72, 0x6d)
let configured = false

function isMarker(source: unknown): boolean {
  if (!ArrayBuffer.isView(source) && !(source instanceof ArrayBuffer)) return false
  const bytes = ArrayBuffer.isView(source) ? new Uint8Array(source.buffer, source.byteOffset, source.byteLength) : new Uint8Array(source)
  return bytes.length === MARKER.length && bytes.every((b, i) => b === MARKER[i])
}

/**
 * workerd refuses to compile wasm from bytes at runtime, which is how onnxruntime-web loads its
 * backend. We hand ORT a marker as its "binary" and make WebAssembly.instantiate answer the marker
 * with the precompiled module, in the { instance, module } shape the Emscripten loader expects.
 * Single thread and no proxy worker: workerd has neither Web Workers nor cross-isolate threads.
 */
function configure(): void {
  if (configured) return
  configured = true
  const instantiate = WebAssembly.instantiate.bind(WebAssembly) as (
    source: BufferSource | WebAssembly.Module,
    imports?: WebAssembly.Imports,
  ) => Promise<unknown>
  const patched = (source: BufferSource | WebAssembly.Module, imports?: WebAssembly.Imports) =>
    isMarker(source) ? instantiate(ortWasm, imports).then((instance) => ({ instance, module: ortWasm })) : instantiate(source, imports)
  WebAssembly.instantiate = patched as typeof WebAssembly.instantiate
  ort.env.wasm.numThreads = 1
  ort.env.wasm.proxy = false
  ort.env.wasm.wasmBinary = MARKER
}

export function createWorkerdOrtEngine(model: Uint8Array): Promise<InferenceEngine> {
  configure()
  return createOrtEngine(ort, model, { name: 'ort-wasm', executionProviders: ['wasm'] })
}
