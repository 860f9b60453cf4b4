import { createHash } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin'
import { defineProject } from 'vitest/config'

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex')
const here = (p: string) => fileURLToPath(new URL(p, import.meta.url).href)

export default defineProject({
  plugins: [
    cloudflareTest(async () => ({
      wrangler: { configPath: here('../wrangler.toml') },
      miniflare: {
        bindings: {
          TEST_MIGRATIONS: await readD1Migrations(here('./migrations')),
          ADMIN_KEY_SHA256: sha256('test-admin-key'),
          PREDICT_KEYS_SHA256: ['test-key-a', 'test-key-b', 'test-key-c'].map(sha256).join(','),
          CANARY_MODE: 'canary',
          CANARY_PERCENT: '20',
          MAX_BATCH_ROWS: '500',
          MAX_BODY_BYTES: '65536',
        },
        ratelimits: { RATE_LIMITER: { namespace_id: '1001', simple: { limit: 300, period: 60 } } },
      },
    })),
  ],
  test: {
    name: 'edge-worker',
    include: ['test/**/*.test.ts'],
    setupFiles: ['./test/setup.ts'],
    testTimeout: 60_000,
    // monitoring's setup scores and captures thousands of rows: slow on a shared machine
    hookTimeout: 60_000,
  },
})
