import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { fillBlocks, findBlocks } from './blocks.ts'
import { readDocData, renderBlocks, staleBlocks } from './numbers.ts'

const root = path.resolve(import.meta.dirname, '../../..')

describe('published numbers', () => {
  it('every marked block in README and docs/ is what the generator renders from the committed report data', async () => {
    expect(await staleBlocks(root)).toEqual([])
  })

  it('the problem statement carries the untouched-slice metrics, the rate-feature gaps and the ablation', async () => {
    const names = findBlocks(await readFile(path.join(root, 'docs/problem.md'), 'utf8')).map((b) => b.name)
    expect(names).toEqual(expect.arrayContaining(['windows', 'train-headline', 'rate-auc', 'ablation']))
  })

  it("the loop's and the benches' figures are quoted from their records, where the docs discuss them", async () => {
    const blocksOf = async (file: string) => findBlocks(await readFile(path.join(root, file), 'utf8')).map((b) => b.name)
    expect(await blocksOf('docs/monitoring.md')).toContain('loop-served')
    expect(await blocksOf('docs/weaknesses.md')).toContain('loop-calibration')
    expect(await blocksOf('docs/export.md')).toEqual(expect.arrayContaining(['bench-encoder', 'bench-edge']))
    expect(await blocksOf('docs/distributed.md')).toContain('bench-sweep')
    expect(await blocksOf('docs/architecture.md')).toContain('bench-browser')
    const { loop } = await readDocData(root)
    const served = renderBlocks(await readDocData(root))['loop-served']
    expect(served).toContain(`realized AUC **${loop.data.lastMonth.served.auc?.toFixed(4)}**`)
    for (const week of loop.data.served) expect(served).toContain(`| ${week.from} | v${week.version} |`)
  })

  it('catches a hand-edited number and a block it does not know', async () => {
    const rendered = renderBlocks(await readDocData(root))
    const doc = fillBlocks('# x\n<!-- tarmac:train-headline -->\n<!-- /tarmac:train-headline -->\n', rendered, 'x.md')
    const body = findBlocks(doc)[0].body
    const figure = /\*\*(0\.\d{4})\*\*/.exec(body)?.[1]
    expect(figure).toBeDefined()
    const edited = doc.replace(`**${figure}**`, '**0.9000**')
    expect(fillBlocks(edited, rendered, 'x.md')).toBe(doc)
    expect(fillBlocks(edited, rendered, 'x.md')).not.toBe(edited)
    expect(() => fillBlocks('<!-- tarmac:nope -->\n<!-- /tarmac:nope -->', rendered, 'x.md')).toThrow(/x\.md: unknown block "tarmac:nope"/)
  })
})
