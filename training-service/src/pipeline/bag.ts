import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { TYPED, type Typed, type TypedName, typedName } from '../typed-arrays.ts'

/**
 * Step outputs on disk: one JSON document, with every typed array moved to its own binary file so
 * millions of encoded rows load at disk speed instead of through JSON.
 */

interface TypedRef {
  $typed: TypedName
  file: string
}

/** Writes `value` into `dir` atomically: a half-written bag is never seen under its final name. */
export async function saveBag(dir: string, value: unknown): Promise<void> {
  const tmp = `${dir}.tmp-${process.pid}`
  await rm(tmp, { recursive: true, force: true })
  await mkdir(tmp, { recursive: true })
  const blobs: Promise<void>[] = []
  let next = 0
  const json = JSON.stringify(value, function (this: unknown, _key, v) {
    const name = typedName(v)
    if (!name) return v
    const file = `${next++}.bin`
    const t = v as Typed
    blobs.push(writeFile(path.join(tmp, file), new Uint8Array(t.buffer, t.byteOffset, t.byteLength)))
    return { $typed: name, file } satisfies TypedRef
  })
  await Promise.all(blobs)
  await writeFile(path.join(tmp, 'bag.json'), json)
  await rm(dir, { recursive: true, force: true })
  await mkdir(path.dirname(dir), { recursive: true })
  await rename(tmp, dir)
}

export async function loadBag<T>(dir: string): Promise<T> {
  const raw = JSON.parse(await readFile(path.join(dir, 'bag.json'), 'utf8'))
  const pending: Promise<void>[] = []
  const revive = (node: unknown, assign: (v: unknown) => void): void => {
    if (node === null || typeof node !== 'object') return
    const ref = node as Partial<TypedRef>
    if (ref.$typed && ref.file) {
      pending.push(
        readFile(path.join(dir, ref.file)).then((buf) => {
          const Ctor = TYPED[ref.$typed as TypedName]
          const copy = new Uint8Array(buf.byteLength)
          copy.set(buf)
          assign(new Ctor(copy.buffer, 0, buf.byteLength / Ctor.BYTES_PER_ELEMENT))
        }),
      )
      return
    }
    for (const [k, v] of Object.entries(node)) revive(v, (x) => ((node as Record<string, unknown>)[k] = x))
  }
  let root: unknown = raw
  revive(raw, (x) => (root = x))
  await Promise.all(pending)
  return root as T
}
