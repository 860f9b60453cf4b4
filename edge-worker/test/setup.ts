import { applyD1Migrations, env } from 'cloudflare:test'

// idempotent: applyD1Migrations records what it applied
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS)
