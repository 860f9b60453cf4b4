import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    projects: ['sdk', 'training-service', 'edge-worker', 'web-client', 'infra'],
  },
})
