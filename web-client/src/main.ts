import { startEarlyLoad } from '@tarmac/sdk/client/early'
import { readConfig } from './config.ts'
import { setStatus } from './dom.ts'
import './style.css'

// The page's entry imports only what starts the model's requests: the cached model's lookup and the manifest go
// out while the app's code (the SDK, its schemas and engines) downloads and evaluates, which is the longer wait.
const config = readConfig(location.search, import.meta.env)
const early = startEarlyLoad({ endpoint: config.modelEndpoint, model: config.model, alias: 'champion', apiKey: config.apiKey })
// the script is async (it runs as soon as it has downloaded, before the first layout): the app waits for the DOM
const parsed =
  document.readyState === 'loading' ? new Promise((resolve) => addEventListener('DOMContentLoaded', resolve, { once: true })) : null
Promise.all([import('./app.ts'), parsed])
  .then(([{ startApp }]) => startApp(config, early))
  .catch((error) => setStatus(`The page could not be loaded: ${error instanceof Error ? error.message : String(error)}`, 'error'))
