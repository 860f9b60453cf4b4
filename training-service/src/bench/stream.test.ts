import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { withDeparturesBatchSize } from './stream.ts'

const ROOT = fileURLToPath(new URL('../../..', import.meta.url))

describe('withDeparturesBatchSize', () => {
  it("changes only the departures consumer's max_batch_size in a copy of wrangler.toml", async () => {
    const file = await withDeparturesBatchSize(ROOT, 10)
    try {
      const [original, variant] = await Promise.all([readFile(path.join(ROOT, 'wrangler.toml'), 'utf8'), readFile(file, 'utf8')])
      const changed = variant.split('\n').filter((line, i) => line !== original.split('\n')[i])
      expect(changed).toEqual(['max_batch_size = 10'])
      expect(variant).toMatch(/queue = "tarmac-departures"\nmax_batch_size = 10\n/)
      expect(variant).toMatch(/queue = "tarmac-telemetry"\nmax_batch_size = 100\n/)
    } finally {
      await rm(file)
    }
  })

  it('refuses a config without the departures consumer instead of benching the default', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'tarmac-stream-bench-'))
    try {
      await writeFile(path.join(dir, 'wrangler.toml'), 'name = "x"\n')
      await expect(withDeparturesBatchSize(dir, 10)).rejects.toThrow(/no \[\[queues.consumers\]\] block for tarmac-departures/)
    } finally {
      await rm(dir, { recursive: true })
    }
  })
})
