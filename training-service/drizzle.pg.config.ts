import { defineConfig } from 'drizzle-kit'

/** The Postgres migrations, generated from the same table definition as the SQLite ones (drizzle.config.ts). */
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema-pg.ts',
  out: './drizzle-pg',
})
