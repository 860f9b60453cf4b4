import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    name: 'training-service',
    include: ['src/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60000,
    // one throwaway Postgres server for the dialect tests (src/local/postgres-server.ts)
    globalSetup: ['src/testing/postgres-setup.ts'],
  },
})
