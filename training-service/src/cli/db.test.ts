import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { openDatabase } from '../db/open.ts'
import { seedVersion } from '../registry/testing.ts'
import { runTarmac } from '../testing/cli.ts'
import { DIALECTS, freshTarget, removeTempFolders } from '../testing/dialects.ts'

// `tarmac db migrate` and TARMAC_DATABASE_URL through the real CLI, against each dialect.

const home = mkdtempSync(path.join(tmpdir(), 'tarmac-db-cli-'))
afterAll(() => {
  rmSync(home, { recursive: true, force: true })
  removeTempFolders()
})

function tarmac(url: string, ...args: string[]) {
  const { TARMAC_DEBUG: _debug, ...rest } = process.env
  return runTarmac(args, { ...rest, TARMAC_HOME: home, TARMAC_DATABASE_URL: url })
}

describe.each(DIALECTS)('tarmac db migrate on %s', (dialect) => {
  it('applies the migrations once, then finds the store up to date; the other commands use the same store', async () => {
    const url = await freshTarget(dialect)
    const first = await tarmac(url, 'db', 'migrate', '--json')
    expect(first.stderr).toBe('')
    expect(JSON.parse(first.stdout)).toMatchObject({ dialect, applied: ['0000_init'], migrations: 1 })
    const again = await tarmac(url, 'db', 'migrate')
    expect(again).toMatchObject({ code: 0, stdout: expect.stringContaining('up to date (1 migration)') })

    const db = await openDatabase(url)
    await seedVersion(db, 'delay', { val_auc: 0.8 })
    await db.close()
    const models = await tarmac(url, 'models', 'list', '--json')
    expect(JSON.parse(models.stdout)).toMatchObject([{ name: 'delay', latestVersion: 1 }])
  })
})

describe('TARMAC_DATABASE_URL mistakes', () => {
  it('a bad URL or an unreachable server is one line, exit 2, with the password redacted', async () => {
    const [down, scheme] = await Promise.all([
      tarmac('postgres://ana:hunter2@127.0.0.1:1/tarmac', 'db', 'migrate'),
      tarmac('mysql://ana:hunter2@db/tarmac', 'runs', 'list'),
    ])
    expect(down.code).toBe(2)
    expect(down.stderr).toMatch(
      /^tarmac: cannot open the metadata store at postgres:\/\/ana:\*\*\*@127\.0\.0\.1:1\/tarmac: connection refused[^\n]*\n$/,
    )
    expect(scheme).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/^tarmac: TARMAC_DATABASE_URL: unsupported scheme "mysql:"[^\n]*\n$/),
    })
    for (const result of [down, scheme]) expect(result.stderr).not.toContain('hunter2')
  })
})
