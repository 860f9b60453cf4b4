import type { ModelInfo, PredictResult, Timings } from '@tarmac/sdk/client'
import type { EngineName } from '@tarmac/sdk/engine'
import { byId } from './dom.ts'

const BACKEND_LABELS: Record<EngineName, string> = {
  'ort-webgpu': 'WebGPU, on this device',
  'ort-wasm': 'WebAssembly, on this device',
  ts: 'TypeScript, on this device',
  edge: 'Edge Worker',
}

const percent = (p: number) => `${(p * 100).toFixed(1)} %`
const ms = (t: number) => (t < 10 ? `${t.toFixed(2)} ms` : `${Math.round(t)} ms`)

export function showModel(model: ModelInfo, backend: EngineName, timings: Readonly<Timings>): void {
  byId('model-version', HTMLElement).textContent = `${model.name} v${model.version} (${model.alias})`
  const backendEl = byId('model-backend', HTMLElement)
  backendEl.textContent = `${BACKEND_LABELS[backend]} (${backend})`
  backendEl.dataset.backend = backend
  byId('model-timings', HTMLElement).textContent = `load ${ms(timings.loadMs)}, warm-up ${ms(timings.warmupMs)}`
}

export function showResult(result: PredictResult): void {
  const [prediction] = result.predictions
  const probability = byId('probability', HTMLElement)
  probability.textContent = percent(prediction.probability)
  probability.dataset.probability = String(prediction.probability)
  probability.dataset.predictionId = prediction.id
  const verdict = byId('verdict', HTMLElement)
  verdict.textContent = prediction.delayed ? 'Likely delayed (15+ min)' : 'Likely on time'
  verdict.dataset.delayed = String(prediction.delayed)
  byId('threshold', HTMLElement).textContent = `delayed at ≥ ${percent(result.model.threshold)}`
  byId('result-model', HTMLElement).textContent = `v${result.model.version}`
  const backend = byId('result-backend', HTMLElement)
  backend.textContent = BACKEND_LABELS[result.backend]
  backend.dataset.backend = result.backend
  byId('latency', HTMLElement).textContent = ms(result.latencyMs)
  byId('result', HTMLElement).dataset.state = 'ready'
}
