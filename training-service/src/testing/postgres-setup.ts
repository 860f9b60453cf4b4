import type { TestProject } from 'vitest/node'
import { postgresAvailable, startTestPostgres } from '../local/postgres-server.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    /** the throwaway test server's URL, or null when Postgres is not installed (outside CI) */
    postgresUrl: string | null
  }
}

/**
 * vitest globalSetup of the training-service project: one real Postgres server for the whole run,
 * stopped at the end. In CI a missing server is an error; elsewhere the Postgres cases are skipped.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (!postgresAvailable()) {
    if (process.env.CI) throw new Error('Postgres is not installed: .ci/run installs the postgresql package')
    console.warn('Postgres binaries not found: the Postgres cases of the dialect tests are skipped (apt-get install postgresql)')
    project.provide('postgresUrl', null)
    return async () => {}
  }
  const server = await startTestPostgres()
  project.provide('postgresUrl', server.url)
  return () => server.stop()
}
