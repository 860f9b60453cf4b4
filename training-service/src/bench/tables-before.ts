import { deflateRawSync } from 'node:zlib'
import { CELL_NAMES, type EncoderSpec } from '@tarmac/sdk/features'

/**
 * The bench's baseline: the encoder tables as one blob (format 2, until this change), kept only to be measured
 * against in the same run. Every table in one deflated blob of varint key gaps, counts and positives; opening it
 * inflates the whole blob and decodes every table.
 */
export function packOneBlob(cells: EncoderSpec['cells']): Uint8Array {
  const codes = [...new Set(CELL_NAMES.flatMap((c) => Object.keys(cells[c]).flatMap((k) => k.split('@')[0].split('-'))))].sort()
  const index = new Map(codes.map((c, i) => [c, i]))
  const code = (key: string) => {
    const [left, suffix] = key.split('@')
    const airports = left.split('-').reduce((n, c) => n * codes.length + (index.get(c) as number), 0)
    return suffix === undefined ? airports : airports * 1440 + Number(suffix)
  }
  const out: number[] = []
  const push = (v: number) => {
    while (v >= 0x80) {
      out.push((v & 0x7f) | 0x80)
      v = Math.floor(v / 128)
    }
    out.push(v)
  }
  const tables = CELL_NAMES.map((cell) => {
    const start = out.length
    const entries = Object.entries(cells[cell])
      .map(([key, stat]) => ({ k: code(key), stat }))
      .sort((a, b) => a.k - b.k)
    for (let i = 0; i < entries.length; i++) push(entries[i].k - (i ? entries[i - 1].k : 0))
    for (const e of entries) push(e.stat[1])
    for (const e of entries) push(e.stat[0])
    return { cell, entries: entries.length, bytes: out.length - start }
  })
  const header = new TextEncoder().encode(JSON.stringify({ codes, tables }))
  const inner = new Uint8Array(4 + header.length + out.length)
  new DataView(inner.buffer).setUint32(0, header.length, true)
  inner.set(header, 4)
  inner.set(out, 4 + header.length)
  return deflateRawSync(inner, { level: 6 })
}

/** Opens a packOneBlob blob as the Worker did: inflate it all (DecompressionStream), decode every table. */
export async function openOneBlob(blob: Uint8Array): Promise<Uint32Array[]> {
  const body = new Uint8Array(
    await new Response(
      new Blob([blob as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('deflate-raw')),
    ).arrayBuffer(),
  )
  const length = new DataView(body.buffer).getUint32(0, true)
  const { tables } = JSON.parse(new TextDecoder().decode(body.subarray(4, 4 + length))) as { tables: { entries: number }[] }
  let at = 4 + length
  const next = () => {
    let v = 0
    let scale = 1
    for (;;) {
      const b = body[at++]
      v += (b & 0x7f) * scale
      if (b < 0x80) return v
      scale *= 128
    }
  }
  return tables.flatMap((t) => {
    const arrays = [new Uint32Array(t.entries), new Uint32Array(t.entries), new Uint32Array(t.entries)]
    let key = 0
    for (let i = 0; i < t.entries; i++) arrays[0][i] = key += next()
    for (const a of arrays.slice(1)) for (let i = 0; i < t.entries; i++) a[i] = next()
    return arrays
  })
}
