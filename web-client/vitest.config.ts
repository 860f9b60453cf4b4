import { defineProject } from 'vitest/config'

export default defineProject({
  test: {
    name: 'web-client',
    environment: 'node',
    include: ['test/**/*.test.ts'],
    globalSetup: ['./test/global-setup.ts'],
    // one Chromium at a time: the machine has two cores
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 180_000,
  },
})
