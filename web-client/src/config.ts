import type { Backend } from '@tarmac/sdk/client'

export interface ClientConfig {
  /** the edge Worker */
  endpoint: string
  /** serves the full manifest and the model files: the Worker unless a CDN or mirror is configured */
  modelEndpoint: string
  model: string
  apiKey: string | undefined
  backends: Backend[]
  sampleRate: number
}

const BACKENDS: readonly Backend[] = ['ts', 'webgpu', 'wasm', 'edge']

/** Query parameters win over build-time env (VITE_TARMAC_*), which win over the local defaults. */
export function readConfig(search: string, env: ImportMetaEnv): ClientConfig {
  const q = new URLSearchParams(search)
  const endpoint = q.get('endpoint') ?? env.VITE_TARMAC_ENDPOINT ?? 'http://127.0.0.1:8787'
  const backends = (q.get('backends') ?? '').split(',').filter((b): b is Backend => (BACKENDS as string[]).includes(b))
  const sampleRate = Number(q.get('sample') ?? env.VITE_TARMAC_SAMPLE_RATE ?? 1)
  return {
    endpoint,
    modelEndpoint: q.get('models') ?? env.VITE_TARMAC_MODEL_ENDPOINT ?? endpoint,
    model: q.get('model') ?? env.VITE_TARMAC_MODEL ?? 'flight-delay',
    apiKey: q.get('key') ?? env.VITE_TARMAC_API_KEY ?? undefined,
    backends: backends.length > 0 ? backends : [...BACKENDS],
    sampleRate: Number.isFinite(sampleRate) ? Math.min(1, Math.max(0, sampleRate)) : 1,
  }
}
