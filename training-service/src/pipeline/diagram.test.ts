import { describe, expect, it } from 'vitest'
import { mermaidFlowchart } from './diagram.ts'

describe('the Mermaid drawing', () => {
  it('leaves out edges implied by longer paths', () => {
    const steps = [
      { name: 'a', needs: {} },
      { name: 'b', needs: { a: true } },
      { name: 'c', needs: { a: true, b: true } },
    ]
    expect(mermaidFlowchart(steps)).toBe('flowchart LR\n  a --> b\n  b --> c\n')
  })

  it('keeps every edge of a diamond', () => {
    const steps = [
      { name: 'a', needs: {} },
      { name: 'b', needs: { a: true } },
      { name: 'c', needs: { a: true } },
      { name: 'd', needs: { b: true, c: true } },
    ]
    expect(mermaidFlowchart(steps)).toBe('flowchart LR\n  a --> b\n  a --> c\n  b --> d\n  c --> d\n')
  })
})
