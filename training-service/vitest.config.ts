import { defineProject } from 'vitest/config'

export default defineProject({
  test: { name: 'training-service', include: ['src/**/*.test.ts'], environment: 'node', testTimeout: 60000 },
})
