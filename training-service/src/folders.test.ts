import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const SRC = fileURLToPath(new URL('.', import.meta.url))

/** A module's unit: its top folder under src/, or the file itself for the modules at the root (errors.ts, home.ts, …). */
const unitOf = (file: string) => path.relative(SRC, file).split(path.sep)[0]

const modules = () =>
  readdirSync(SRC, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.(ts|mjs)$/.test(f) && !f.endsWith('.test.ts'))
    .map((f) => path.join(SRC, f))

/** Every production module's relative imports, by unit: tests are left out, they may reach anywhere. */
function unitGraph(): Map<string, Map<string, string>> {
  const graph = new Map<string, Map<string, string>>()
  for (const file of modules()) {
    const from = unitOf(file)
    const edges = graph.get(from) ?? new Map<string, string>()
    graph.set(from, edges)
    for (const { fileName } of ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles) {
      if (!fileName.startsWith('.')) continue
      const to = unitOf(path.resolve(path.dirname(file), fileName))
      if (to !== from && !edges.has(to)) edges.set(to, `${path.relative(SRC, file)} imports ${fileName}`)
    }
  }
  return graph
}

/** The cycles between units, each as the chain of imports that closes it (Tarjan's strongly connected components). */
function cycles(graph: Map<string, Map<string, string>>): string[][] {
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const found: string[][] = []
  const visit = (v: string) => {
    index.set(v, index.size)
    low.set(v, index.get(v)!)
    stack.push(v)
    for (const w of graph.get(v)?.keys() ?? []) {
      if (!index.has(w)) {
        visit(w)
        low.set(v, Math.min(low.get(v)!, low.get(w)!))
      } else if (stack.includes(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!))
    }
    if (low.get(v) !== index.get(v)) return
    const component: string[] = []
    let w: string
    do {
      w = stack.pop()!
      component.push(w)
    } while (w !== v)
    if (component.length > 1) {
      const members = new Set(component)
      found.push(component.flatMap((u) => [...graph.get(u)!].filter(([to]) => members.has(to)).map(([, why]) => why)))
    }
  }
  for (const v of graph.keys()) if (!index.has(v)) visit(v)
  return found
}

describe('training-service folders', () => {
  const graph = unitGraph()

  it('import each other without cycles', () => {
    expect(cycles(graph)).toEqual([])
  })

  it('keep test helpers out of production code: nothing outside testing/ imports it', () => {
    const users = [...graph].flatMap(([from, edges]) => (from !== 'testing' && edges.has('testing') ? [edges.get('testing')] : []))
    expect(users).toEqual([])
  })

  it('name what they export: no `export *`', () => {
    const star = modules().filter((file) => /^export \* from /m.test(readFileSync(file, 'utf8')))
    expect(star.map((file) => path.relative(SRC, file))).toEqual([])
  })

  it('find a cycle when there is one', () => {
    const looped = new Map([
      ['a', new Map([['b', 'a/x.ts imports ../b/y.ts']])],
      ['b', new Map([['a', 'b/y.ts imports ../a/z.ts']])],
      ['c', new Map([['a', 'c/w.ts imports ../a/x.ts']])],
    ])
    expect(cycles(looped)).toEqual([['b/y.ts imports ../a/z.ts', 'a/x.ts imports ../b/y.ts']])
  })
})
