import { type CapturedRow, capturedRowSchema } from '@tarmac/sdk/contracts/capture'
import { sha256Hex } from '../auth/hash.ts'

/**
 * Capture objects live under capture/<model>/<YYYY-MM-DD>/<HH>/ in the models bucket: keys sort by event
 * time, so a window is one prefix range, and an R2 lifecycle rule on capture/ enforces retention. Each object
 * is gzip JSON Lines: CompressionStream is built into workerd (no writer in the bundle), rows append as
 * plain lines, and any reader (Node's zlib, gunzip, DuckDB's read_json) streams it back.
 */
export const CAPTURE_PREFIX = 'capture/'

export const modelPrefix = (model: string) => `${CAPTURE_PREFIX}${model}/`

/** Where an hour's objects start: 'YYYY-MM-DDTHH' → capture/<model>/YYYY-MM-DD/HH/. */
export const hourPrefix = (model: string, hour: string) => `${modelPrefix(model)}${hour.slice(0, 10)}/${hour.slice(11, 13)}/`

/**
 * Named by the events it holds: a batch retried after a failed D1 commit rewrites the same object rather
 * than adding a second copy. Which object a row belongs to is recorded in D1 with the row (predictions.capture),
 * so a row that a later, different batch also wrote is still read from one object only.
 */
export async function captureKey(model: string, hour: string, eventIds: readonly string[]): Promise<string> {
  const digest = await sha256Hex([...eventIds].sort().join('\n'))
  return `${hourPrefix(model, hour)}${digest.slice(0, 24)}.jsonl.gz`
}

export async function writeCapture(bucket: R2Bucket, key: string, rows: readonly CapturedRow[], sampleRate: number): Promise<void> {
  const text = rows.map((r) => JSON.stringify(r)).join('\n')
  const gzipped = await new Response(new Blob([`${text}\n`]).stream().pipeThrough(new CompressionStream('gzip'))).arrayBuffer()
  await bucket.put(key, gzipped, {
    httpMetadata: { contentType: 'application/x-ndjson', contentEncoding: 'gzip' },
    customMetadata: { rows: String(rows.length), sampleRate: String(sampleRate) },
  })
}

export interface CaptureObject {
  rows: CapturedRow[]
  sampleRate: number
}

/** null when the object is gone (expired by retention between list and get). */
export async function readCapture(bucket: R2Bucket, key: string): Promise<CaptureObject | null> {
  const object = await bucket.get(key)
  if (!object) return null
  const text = await new Response(object.body.pipeThrough(new DecompressionStream('gzip'))).text()
  const rows: CapturedRow[] = []
  for (const line of text.split('\n')) if (line) rows.push(capturedRowSchema.parse(JSON.parse(line)))
  return { rows, sampleRate: Number(object.customMetadata?.sampleRate ?? 1) }
}
