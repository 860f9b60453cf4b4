import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { blobKey, LocalArtifactStore, putBlob, sha256Hex } from './artifact-store.ts'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

function newStore(): LocalArtifactStore {
  const dir = mkdtempSync(join(tmpdir(), 'tarmac-store-'))
  dirs.push(dir)
  return new LocalArtifactStore(dir)
}

describe('LocalArtifactStore', () => {
  it('puts, gets, lists and content-addresses blobs', async () => {
    const store = newStore()
    const bytes = new TextEncoder().encode('weights')
    const blob = await putBlob(store, bytes)
    expect(blob).toMatchObject({ key: blobKey(sha256Hex(bytes)), sha256: sha256Hex(bytes), size: 7 })
    expect(fileURLToPath(blob.uri)).toBe(join(store.root, 'blobs', blob.sha256))
    expect(await putBlob(store, bytes)).toEqual(blob) // same content, same address, no rewrite

    await store.put('runs/r1/metrics.json', new TextEncoder().encode('{}'))
    expect(await store.has(blob.key)).toBe(true)
    expect(await store.has('blobs/missing')).toBe(false)
    expect(new TextDecoder().decode((await store.get(blob.key))!)).toBe('weights')
    expect(await store.get('runs/none')).toBeNull()
    expect(await store.list('runs/')).toEqual(['runs/r1/metrics.json'])
    expect(await store.list()).toEqual([blob.key, 'runs/r1/metrics.json'])
    // atomic writes leave no temp files behind
    expect(readdirSync(join(store.root, 'blobs'))).toEqual([blob.sha256])
  })

  it('refuses keys that escape the root or lie about their content', async () => {
    const store = newStore()
    const bytes = new Uint8Array([1, 2, 3])
    await expect(store.put('../outside', bytes)).rejects.toThrow('key: "../outside" must be a relative path')
    await expect(store.put('/abs', bytes)).rejects.toThrow('key:')
    await expect(store.put(blobKey('0'.repeat(64)), bytes)).rejects.toThrow("does not match the content's sha256")
    expect(await new LocalArtifactStore(join(store.root, 'never-created')).list()).toEqual([])
  })
})
