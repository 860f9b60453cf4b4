import { createHash, randomUUID } from 'node:crypto'
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { dirname, join, relative, sep } from 'node:path'
import { pathToFileURL } from 'node:url'
import { invalidArgument } from '../errors.ts'

/** Where a stored object lives and what it is: enough to record it as a run artifact. */
export type StoredBlob = { uri: string; sha256: string; size: number }

/** Object storage for artifacts: a local directory now, R2 in production. Keys are `/`-separated relative paths. */
export interface ArtifactStore {
  put(key: string, bytes: Uint8Array): Promise<StoredBlob>
  /** null when nothing is stored under the key */
  get(key: string): Promise<Uint8Array | null>
  has(key: string): Promise<boolean>
  /** keys starting with `prefix`, sorted */
  list(prefix?: string): Promise<string[]>
}

const BLOB_KEY = /^blobs\/([0-9a-f]{64})$/
const TEMP_FILE = /\.[0-9a-f-]{36}\.tmp$/

/** Content address of some bytes: the key the manifest's artifact files use. */
export const blobKey = (sha256: string) => `blobs/${sha256}`

export const sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')

/** Stores bytes under their content address, so identical artifacts are stored once. */
export async function putBlob(store: ArtifactStore, bytes: Uint8Array): Promise<StoredBlob & { key: string }> {
  const key = blobKey(sha256Hex(bytes))
  return { key, ...(await store.put(key, bytes)) }
}

export function checkArtifactKey(key: string): string {
  const segments = key.split('/')
  if (!/^[A-Za-z0-9._\-/]{1,512}$/.test(key) || segments.some((s) => s === '' || s === '.' || s === '..')) {
    throw invalidArgument('key', `"${key}" must be a relative path of letters, digits, . _ - and /, without empty, "." or ".." segments`)
  }
  return key
}

export class LocalArtifactStore implements ArtifactStore {
  constructor(readonly root: string) {}

  async put(key: string, bytes: Uint8Array): Promise<StoredBlob> {
    const target = this.pathOf(key)
    const sha256 = sha256Hex(bytes)
    const blob = BLOB_KEY.exec(key)
    if (blob && blob[1] !== sha256) throw invalidArgument('key', `${key} does not match the content's sha256 ${sha256}`)
    const stored = { uri: pathToFileURL(target).href, sha256, size: bytes.byteLength }
    // a blob's content is fixed by its key: an existing one needs no rewrite
    if (blob && (await this.has(key))) return stored
    await mkdir(dirname(target), { recursive: true })
    // write beside the target then rename: readers never see a half-written file
    const temp = `${target}.${randomUUID()}.tmp`
    try {
      await writeFile(temp, bytes)
      await rename(temp, target)
    } catch (error) {
      await rm(temp, { force: true })
      throw error
    }
    return stored
  }

  async get(key: string): Promise<Uint8Array | null> {
    try {
      return new Uint8Array(await readFile(this.pathOf(key)))
    } catch (error) {
      if (isMissing(error)) return null
      throw error
    }
  }

  async has(key: string): Promise<boolean> {
    try {
      return (await stat(this.pathOf(key))).isFile()
    } catch (error) {
      if (isMissing(error)) return false
      throw error
    }
  }

  async list(prefix = ''): Promise<string[]> {
    let entries: string[]
    try {
      entries = await readdir(this.root, { recursive: true })
    } catch (error) {
      if (isMissing(error)) return []
      throw error
    }
    const keys: string[] = []
    for (const entry of entries) {
      const key = entry.split(sep).join('/')
      if (!key.startsWith(prefix) || TEMP_FILE.test(key)) continue
      if ((await stat(join(this.root, entry))).isFile()) keys.push(key)
    }
    return keys.sort()
  }

  private pathOf(key: string): string {
    const path = join(this.root, checkArtifactKey(key))
    if (relative(this.root, path).startsWith('..')) throw invalidArgument('key', `"${key}" escapes the store`)
    return path
  }
}

const isMissing = (error: unknown) => (error as { code?: unknown } | null)?.code === 'ENOENT'
