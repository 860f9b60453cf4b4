import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

const root = path.resolve(import.meta.dirname, '..')
const bin = (name: string) => path.join(root, 'node_modules/.bin', name)
const dir = mkdtempSync(path.join(tmpdir(), 'tarmac-openapi-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

interface LintProblem {
  ruleId: string
  severity: 'error' | 'warn'
  message: string
}

describe('the OpenAPI document the Worker serves', () => {
  it('passes redocly lint (recommended rules) with no errors', () => {
    const file = path.join(dir, 'openapi.json')
    // the Worker's own script asks its app for /openapi.json: the document clients download, not a copy
    const served = spawnSync(bin('tsx'), ['edge-worker/scripts/openapi.ts', file], { cwd: root, encoding: 'utf8' })
    expect(served.status, served.stderr).toBe(0)
    const lint = spawnSync(bin('redocly'), ['lint', '--extends', 'recommended', '--format', 'json', '--max-problems', '1000', file], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
    })
    const { problems } = JSON.parse(lint.stdout) as { problems: LintProblem[] }
    const errors = problems.filter((p) => p.severity === 'error').map((p) => `${p.ruleId}: ${p.message}`)
    expect(errors).toEqual([])
    expect(lint.status).toBe(0)
    const document = JSON.parse(readFileSync(file, 'utf8'))
    expect(document.openapi).toBe('3.1.0')
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/v2/health/live', '/v2', '/v2/models/{name}', '/v1/models/{name}:predict']),
    )
  }, 60_000)
})
