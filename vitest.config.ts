import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    projects: ['sdk', 'training-service', 'edge-worker', 'web-client', 'infra'],
    // the Worker writes one JSON line per request; the logging tests assert them, elsewhere they are noise
    onConsoleLog: (log) => !log.startsWith('{"event":"request"'),
  },
})
