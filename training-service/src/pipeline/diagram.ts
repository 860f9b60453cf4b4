import { needsOf } from './runner.ts'

/**
 * A Mermaid flowchart of a DAG: one edge per line, transitive edges left out (a step that needs both
 * `ingest` and `train` is drawn from `train` only), steps in the order they were added.
 */
export function mermaidFlowchart(steps: readonly { name: string; needs: object }[]): string {
  const ancestors = new Map<string, Set<string>>()
  const lines = ['flowchart LR']
  for (const s of steps) {
    const needs = needsOf(s)
    const above = new Set(needs.flatMap((n) => [n, ...(ancestors.get(n) ?? [])]))
    ancestors.set(s.name, above)
    for (const n of needs) if (!needs.some((m) => m !== n && ancestors.get(m)?.has(n))) lines.push(`  ${n} --> ${s.name}`)
  }
  return `${lines.join('\n')}\n`
}
