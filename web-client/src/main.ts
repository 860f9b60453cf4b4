import { startEarlyLoad } from '@tarmac/sdk/client/early'
import { readConfig } from './config.ts'
import { setStatus } from './dom.ts'
import './style.css'

// The page's entry imports only what starts the model's requests: the cached model's lookup and the manifest go
// out while the app's code (the SDK, its schemas and engines) downloads and evaluates, which is the longer wait.
const config = readConfig(location.search, import.meta.env)
const early = startEarlyLoad({ endpoint: config.modelEndpoint, model: config.model, alias: 'champion', apiKey: config.apiKey })
import('./app.ts')
  .then(({ startApp }) => startApp(config, early))
  .catch((error) => setStatus(`The page could not be loaded: ${error instanceof Error ? error.message : String(error)}`, 'error'))
