// Post-deploy smoke test: /health, then the champion's manifest summary and a predict that it must answer.
// Usage: tsx infra/smoke.ts --url <worker url> [--model <name>] [--version-id <worker version> --worker <name>]
// The predict key comes from TARMAC_PREDICT_KEY (unset: the API is expected to be open). Exit 1 on any failure.
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

export interface SmokeOptions {
  url: string
  /** registered model whose champion must answer; empty checks /health only (first deploy, nothing published yet) */
  model: string
  predictKey?: string
  /** pin every request to this Worker version (gradual deployments), so a 0% or 10% version is what gets tested */
  versionId?: string
  worker?: string
  attempts?: number
  timeoutMs?: number
}

/** Fixed instances: the same inputs every run, so a failure is never about the data. */
const INSTANCES = [
  { origin: 'ORD', destination: 'JFK', departedAt: '2026-01-15T17:30:00Z', distance: 733 },
  { origin: 'SFO', destination: 'SEA', departedAt: '2026-03-02T08:05:00Z', distance: 679 },
  { origin: 'ATL', destination: 'DFW', departedAt: '2026-06-20T21:45:00Z', distance: 731 },
]

interface Summary {
  version?: number
  aliases?: Record<string, number>
}

interface Prediction {
  model?: { name?: string; version?: number; alias?: string }
  predictions?: { id?: unknown; probability?: unknown }[]
}

export async function smoke(options: SmokeOptions, log: (line: string) => void = () => {}): Promise<string[]> {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-tarmac-key': 'smoke-test' }
  if (options.predictKey) headers.authorization = `Bearer ${options.predictKey}`
  if (options.versionId && options.worker) headers['cloudflare-workers-version-overrides'] = `${options.worker}="${options.versionId}"`
  const call = async (path: string, init: RequestInit = {}) => {
    const response = await fetch(new URL(path, options.url), { ...init, headers, signal: AbortSignal.timeout(options.timeoutMs ?? 10_000) })
    return { status: response.status, body: (await response.json().catch(() => undefined)) as unknown }
  }

  // A fresh version can take a few seconds to reach every location: retry health only, a bounded number of times.
  const attempts = options.attempts ?? 5
  for (let i = 1; ; i++) {
    const health = await call('/health').catch((error: Error) => ({ status: 0, body: error.message }))
    if (health.status === 200 && (health.body as { status?: string })?.status === 'ok') break
    if (i >= attempts) return [`GET /health: ${health.status || 'no answer'} ${JSON.stringify(health.body)} after ${attempts} attempts`]
    await new Promise((resolve) => setTimeout(resolve, 1000 * i))
  }
  log('GET /health ok')
  if (!options.model) return []

  const name = encodeURIComponent(options.model)
  const summary = await call(`/v1/models/${name}`)
  if (summary.status !== 200) return [`GET /v1/models/${options.model}: ${summary.status} ${JSON.stringify(summary.body)}`]
  const aliases = (summary.body as Summary).aliases ?? {}
  log(`champion ${options.model}@${aliases.champion}`)

  const predicted = await call(`/v1/models/${name}/predict`, { method: 'POST', body: JSON.stringify({ instances: INSTANCES }) })
  if (predicted.status !== 200) return [`POST /v1/models/${options.model}/predict: ${predicted.status} ${JSON.stringify(predicted.body)}`]
  const body = predicted.body as Prediction
  const problems: string[] = []
  const alias = body.model?.alias ?? ''
  if (body.model?.name !== options.model || aliases[alias] === undefined || body.model?.version !== aliases[alias])
    problems.push(`predict answered with ${JSON.stringify(body.model)}, not a serving alias of ${JSON.stringify(aliases)}`)
  const predictions = body.predictions ?? []
  if (predictions.length !== INSTANCES.length)
    problems.push(`predict returned ${predictions.length} predictions for ${INSTANCES.length} instances`)
  for (const [i, p] of predictions.entries())
    if (typeof p.id !== 'string' || typeof p.probability !== 'number' || !(p.probability >= 0 && p.probability <= 1))
      problems.push(`prediction ${i}: ${JSON.stringify(p)} is not {id, probability in [0,1]}`)
  if (!problems.length) log(`predict ok: ${options.model}@${body.model?.version} (${alias})`)
  return problems
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      url: { type: 'string' },
      model: { type: 'string', default: '' },
      'version-id': { type: 'string' },
      worker: { type: 'string' },
    },
  })
  if (!values.url) {
    process.stderr.write('usage: tsx infra/smoke.ts --url <worker url> [--model <name>] [--version-id <id> --worker <name>]\n')
    process.exit(2)
  }
  const problems = await smoke(
    {
      url: values.url,
      model: values.model,
      predictKey: process.env.TARMAC_PREDICT_KEY,
      versionId: values['version-id'],
      worker: values.worker,
    },
    (line) => process.stdout.write(`smoke: ${line}\n`),
  )
  for (const p of problems) process.stderr.write(`smoke: ${p}\n`)
  process.exit(problems.length ? 1 : 0)
}
