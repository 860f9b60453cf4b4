import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { checkWorkflows } from './check-workflows.ts'

const root = path.resolve(import.meta.dirname, '..')
const real = { workflowsDir: path.join(root, '.github/workflows'), docsPath: path.join(root, 'docs/deploy.md'), root }
const temps: string[] = []

/** The real workflows with ci.yml replaced by `ci`. */
function withCi(ci: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tarmac-workflows-'))
  temps.push(dir)
  cpSync(real.workflowsDir, dir, { recursive: true })
  writeFileSync(path.join(dir, 'ci.yml'), ci)
  return dir
}

const ci = readFileSync(path.join(real.workflowsDir, 'ci.yml'), 'utf8')

afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true })
})

describe('workflow check', () => {
  it('passes on the committed workflows and docs/deploy.md', () => {
    expect(checkWorkflows(real)).toEqual([])
  })

  it('reports a job without runs-on and a step with neither run nor uses', () => {
    const broken = ci
      .replace('    runs-on: ubuntu-24.04\n', '')
      .replace('      - name: Bench smoke\n        run: npm run bench -- --smoke\n', '      - name: nothing to do\n')
    const problems = checkWorkflows({ ...real, workflowsDir: withCi(broken) })
    expect(problems).toContain('.github/workflows/ci.yml: /jobs/test/runs-on: This property is required')
    expect(problems.some((p) => p.includes('/jobs/test/steps/3'))).toBe(true)
  })

  it('reports an undocumented secret and a missing infra script', () => {
    const broken = ci
      .replace('      - name: Bench smoke\n', '      - run: npx tsx infra/chek.ts\n      - name: Bench smoke\n')
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub Actions expression, not a JS template
      .replace('        run: bash .ci/run\n', '        run: bash .ci/run\n        env:\n          NPM_TOKEN: ${{ secrets.NPM_TOKEN }}\n')
    expect(checkWorkflows({ ...real, workflowsDir: withCi(broken) })).toEqual([
      '.github/workflows/ci.yml: secrets.NPM_TOKEN is not documented in docs/deploy.md',
      '.github/workflows/ci.yml: runs infra/chek.ts, which does not exist',
    ])
  })
})
