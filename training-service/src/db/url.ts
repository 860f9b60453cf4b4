import { invalidArgument } from '../errors.ts'
import { redactUrl } from '../redact-url.ts'

/** Where a metadata store lives: a SQLite file (or `:memory:`) or a Postgres server. */
export type DatabaseTarget = { dialect: 'sqlite'; path: string } | { dialect: 'postgres'; url: string }

/**
 * Reads a database location: a `postgres://` / `postgresql://` URL, a `sqlite:` URL (`sqlite:/abs/file.db`,
 * `sqlite::memory:`) or a plain file path. Messages never repeat the URL's password.
 */
export function parseDatabaseTarget(value: string, field = 'TARMAC_DATABASE_URL'): DatabaseTarget {
  const trimmed = value.trim()
  if (trimmed === '') throw invalidArgument(field, 'is empty: give a postgres:// URL or a SQLite file path')
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(trimmed)?.[1]?.toLowerCase()
  if (scheme === 'sqlite') {
    const path = trimmed.slice('sqlite:'.length).replace(/^\/\//, '')
    if (path === '') throw invalidArgument(field, 'sqlite: needs a file path, e.g. sqlite:/var/lib/tarmac/tarmac.db')
    return { dialect: 'sqlite', path }
  }
  if (scheme === 'postgres' || scheme === 'postgresql') {
    let url: URL
    try {
      url = new URL(trimmed)
    } catch {
      throw invalidArgument(field, `is not a valid URL (${redactUrl(trimmed)}): expected postgres://user:password@host:port/database`)
    }
    if (url.hostname === '' && !url.searchParams.has('host')) {
      throw invalidArgument(field, `${redactUrl(trimmed)} names no host: expected postgres://user:password@host:port/database`)
    }
    return { dialect: 'postgres', url: trimmed }
  }
  // a bare path ("./tarmac.db", "C:\\x.db" has a one-letter "scheme") stays SQLite; any other scheme is a mistake
  if (scheme !== undefined && scheme.length > 1) {
    throw invalidArgument(field, `unsupported scheme "${scheme}:": use postgres://… for Postgres or a file path / sqlite:… for SQLite`)
  }
  return { dialect: 'sqlite', path: trimmed }
}

/** Where a target points, for humans: the file path or the redacted URL. */
export function describeTarget(target: DatabaseTarget): string {
  return target.dialect === 'sqlite' ? target.path : redactUrl(target.url)
}
