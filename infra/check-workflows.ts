// Offline check of .github/workflows: the GitHub workflow schema (@action-validator/core, wasm), every secret and
// variable a workflow reads is documented in docs/deploy.md, and every infra/ file a step runs exists.
// Usage: tsx infra/check-workflows.ts [--workflows .github/workflows] [--docs docs/deploy.md]
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { type ValidationError, validateWorkflow } from '@action-validator/core'

/** Provided by GitHub to every run: nothing to document. */
const BUILT_IN_SECRETS = new Set(['GITHUB_TOKEN'])

export interface WorkflowCheckOptions {
  workflowsDir: string
  docsPath: string
  /** the folder infra/ paths in run steps are resolved against */
  root: string
}

/** Schema errors nest the failed alternatives of a oneOf: report the leaves, which name the real problem. */
function leaves(errors: ValidationError[]): string[] {
  return errors.flatMap((e) => {
    const nested = 'states' in e && e.states ? e.states.flatMap((s) => leaves(s.errors)) : []
    if (nested.length) return nested
    return [`${'path' in e && e.path ? `${e.path}: ` : ''}${e.title}${e.detail ? ` (${e.detail})` : ''}`]
  })
}

export function checkWorkflows(options: WorkflowCheckOptions): string[] {
  const docs = existsSync(options.docsPath) ? readFileSync(options.docsPath, 'utf8') : ''
  const documented = new Set([...docs.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]))
  const files = readdirSync(options.workflowsDir).filter((f) => /\.ya?ml$/.test(f))
  const problems: string[] = files.length ? [] : [`${options.workflowsDir}: no workflow files`]
  for (const file of files) {
    const at = `.github/workflows/${file}`
    const text = readFileSync(path.join(options.workflowsDir, file), 'utf8')
    problems.push(...[...new Set(leaves(validateWorkflow(text).errors))].map((e) => `${at}: ${e}`))
    for (const [, kind, name] of text.matchAll(/\$\{\{[^}]*?\b(secrets|vars)\.([A-Za-z0-9_]+)/g))
      if (!BUILT_IN_SECRETS.has(name) && !documented.has(name)) problems.push(`${at}: ${kind}.${name} is not documented in docs/deploy.md`)
    for (const [file] of text.matchAll(/\binfra\/[\w./-]+\.(?:ts|json)\b/g))
      if (!existsSync(path.join(options.root, file))) problems.push(`${at}: runs ${file}, which does not exist`)
  }
  return [...new Set(problems)]
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
  const { values } = parseArgs({
    options: {
      workflows: { type: 'string', default: path.join(root, '.github/workflows') },
      docs: { type: 'string', default: path.join(root, 'docs/deploy.md') },
    },
  })
  const problems = checkWorkflows({ workflowsDir: values.workflows, docsPath: values.docs, root })
  for (const p of problems) process.stderr.write(`${p}\n`)
  if (problems.length) process.exit(1)
  process.stdout.write('workflow check: schema, documented secrets and infra/ paths ok\n')
}
