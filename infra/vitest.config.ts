import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    name: 'infra',
    include: ['**/*.test.ts'],
    exclude: ['**/node_modules/**', 'terraform/**'],
    environment: 'node',
    testTimeout: 30000,
  },
})
