import { createPredictor, InvalidInputError, type Predictor } from '@tarmac/sdk/client'
import type { EarlyLoad } from '@tarmac/sdk/client/early'
import type { ClientConfig } from './config.ts'
import { byId, setStatus } from './dom.ts'
import { bindForm, type FlightForm } from './form.ts'
import { keepQueryInNav } from './nav.ts'
import { showModel, showResult } from './result.ts'
import { routeTable } from './routes.ts'
import { registerServiceWorker } from './service-worker.ts'
import { showUpdatePrompt } from './update-prompt.ts'

// every import above has been evaluated: the breakdown's "scripts" phase ends here
performance.mark('tarmac:scripts')

declare global {
  interface Window {
    /** the page's predictor, for the console, the browser tests and the bench */
    tarmac?: { predictor: Predictor }
  }
}

const UPDATE_CHECK_MS = 5 * 60_000
/** after the page is ready: its first prediction does not share the network with the offline cache's downloads */
const OFFLINE_CACHE_DELAY_MS = 3000

function networkNote(): void {
  byId('network', HTMLElement).textContent = navigator.onLine ? '' : 'Offline: predictions keep running on this device.'
}

function refresh(predictor: Predictor, form: FlightForm): void {
  showModel(predictor.model, predictor.backend, predictor.timings)
  if (predictor.encoder) form.useRoutes(routeTable(predictor.encoder.keys('route')))
}

/**
 * Once the page is ready and online, every origin's encoder shard goes to Cache Storage in the background: an offline
 * visit then predicts for any origin, not only those predicted for while online.
 */
async function cacheEveryOrigin(predictor: Predictor): Promise<void> {
  if (!navigator.onLine) return
  const note = byId('offline-ready', HTMLElement)
  try {
    const origins = await predictor.cacheEveryOrigin()
    if (origins === 0) return
    note.textContent = `Available offline for all ${origins} origins of model version ${predictor.model.version}.`
    note.dataset.origins = String(origins)
  } catch (error) {
    console.warn('encoder shards not cached for offline use', error)
  }
}

async function checkForUpdate(predictor: Predictor, form: FlightForm): Promise<void> {
  if (!navigator.onLine) return
  const next = await predictor.checkForUpdate().catch(() => null)
  if (!next) return
  showUpdatePrompt(next, async () => {
    await predictor.update()
    refresh(predictor, form)
    setStatus(`Now using model version ${predictor.model.version}.`, 'ready')
    void cacheEveryOrigin(predictor)
  })
}

async function predict(predictor: Predictor, form: FlightForm): Promise<void> {
  form.setBusy(true)
  try {
    const result = await predictor.predict([form.read()])
    form.clearIssues()
    showResult(result)
    showModel(predictor.model, predictor.backend, predictor.timings)
  } catch (error) {
    if (error instanceof InvalidInputError) form.showIssues(error.issues)
    else setStatus(`The prediction failed: ${error instanceof Error ? error.message : String(error)}`, 'error')
  } finally {
    form.setBusy(false)
  }
}

async function start(config: ClientConfig, early: EarlyLoad): Promise<void> {
  keepQueryInNav()
  networkNote()
  addEventListener('online', networkNote)
  addEventListener('offline', networkNote)
  const form = bindForm()
  form.setBusy(true)
  setStatus('Loading the model…', 'loading')
  const predictor = await createPredictor({
    endpoint: config.endpoint,
    modelEndpoint: config.modelEndpoint,
    model: config.model,
    apiKey: config.apiKey,
    backends: config.backends,
    early,
    telemetry: { sampleRate: config.sampleRate, batchSize: 20, flushMs: 2000 },
  })
  window.tarmac = { predictor }
  performance.mark('tarmac:ready')
  refresh(predictor, form)
  form.onSubmit(() => void predict(predictor, form))
  form.setBusy(false)
  setStatus('Ready.', 'ready')
  void checkForUpdate(predictor, form)
  addEventListener('online', () => void checkForUpdate(predictor, form))
  addEventListener('online', () => void cacheEveryOrigin(predictor))
  setInterval(() => void checkForUpdate(predictor, form), UPDATE_CHECK_MS)
}

/** The page, once main.ts has started the model's first requests. */
export function startApp(config: ClientConfig, early: EarlyLoad): void {
  start(config, early)
    .catch((error) => setStatus(`The model could not be loaded: ${error instanceof Error ? error.message : String(error)}`, 'error'))
    // registered once the model is in (or failed): its precache would otherwise compete with the model download
    .finally(() => registerServiceWorker().catch((error) => console.warn('service worker not registered', error)))
    // then the shards of the origins not predicted yet, once the page's own first requests are done
    .then(() => setTimeout(() => window.tarmac && void cacheEveryOrigin(window.tarmac.predictor), OFFLINE_CACHE_DELAY_MS))
}
