import { readFile, writeFile } from 'node:fs/promises'
import { z } from 'zod'

/** Where a pulled data version came from: written beside the file as <file>.lineage.json. */
export const lineageSchema = z.object({
  source: z.object({
    kind: z.literal('capture'),
    /** the Worker the rows were pulled from (no credentials) */
    worker: z.string(),
    model: z.string(),
    role: z.enum(['served', 'shadow']),
  }),
  /** [from, to) of event time, ISO */
  window: z.object({ from: z.string(), to: z.string() }),
  /** labelled rows written */
  rows: z.number().int().nonnegative(),
  /** captured rows of the window, labelled or not */
  captured: z.number().int().nonnegative(),
  /** rows / captured: the share of the captured traffic whose outcome came back */
  labelCoverage: z.number().min(0).max(1).nullable(),
  /** capture sample rates of the objects read: each row stood for 1/rate predictions */
  sampleRates: z.array(z.number()),
  /** rows whose reporter gave only `delayed`: their delay is the threshold (delayed) or 0, so the label is exact */
  delayFromLabel: z.number().int().nonnegative(),
  pulledAt: z.string(),
  sha256: z.string(),
})
export type Lineage = z.infer<typeof lineageSchema>

export const lineagePath = (file: string) => `${file}.lineage.json`

export async function writeLineage(file: string, lineage: Lineage): Promise<void> {
  await writeFile(lineagePath(file), `${JSON.stringify(lineage, null, 2)}\n`)
}

/** null for a file that was not pulled (the bundled parquet, a user's CSV). */
export async function readLineage(file: string): Promise<Lineage | null> {
  const text = await readFile(lineagePath(file), 'utf8').catch(() => null)
  return text === null ? null : lineageSchema.parse(JSON.parse(text))
}
