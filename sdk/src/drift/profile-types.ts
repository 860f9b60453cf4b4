import { z } from 'zod'

/**
 * Mergeable profiles: counts on fixed bins. The reference profile (training window) fixes the bins;
 * telemetry at the edge and files on the CLI are counted into the same bins and merged by addition.
 */
export const numericHistogramSchema = z.object({
  kind: z.literal('numeric'),
  /** ascending inner cut points; bin i is [edges[i-1], edges[i]), the first and last bins are open */
  edges: z.array(z.number()),
  /** edges.length + 1 counts */
  counts: z.array(z.number().nonnegative()),
})
export const categoricalHistogramSchema = z.object({
  kind: z.literal('categorical'),
  categories: z.array(z.string()),
  /** categories.length + 1 counts; the last one is "other" */
  counts: z.array(z.number().nonnegative()),
})
export const histogramSchema = z.discriminatedUnion('kind', [numericHistogramSchema, categoricalHistogramSchema])
export const profileSchema = z.object({
  count: z.number().int().nonnegative(),
  features: z.record(z.string(), histogramSchema),
  prediction: numericHistogramSchema,
})

export type NumericHistogram = z.infer<typeof numericHistogramSchema>
export type CategoricalHistogram = z.infer<typeof categoricalHistogramSchema>
export type Histogram = z.infer<typeof histogramSchema>
export type Profile = z.infer<typeof profileSchema>

/** The bins of a profile without counts: fitted on the reference, shipped with the model, shared by every profiler. */
export const numericBinsSchema = numericHistogramSchema.omit({ counts: true })
export const categoricalBinsSchema = categoricalHistogramSchema.omit({ counts: true })
export const binsSchema = z.discriminatedUnion('kind', [numericBinsSchema, categoricalBinsSchema])
export const profileSpecSchema = z.object({
  features: z.record(z.string(), binsSchema),
  prediction: numericBinsSchema,
})

export type NumericBins = z.infer<typeof numericBinsSchema>
export type CategoricalBins = z.infer<typeof categoricalBinsSchema>
export type Bins = z.infer<typeof binsSchema>
export type ProfileSpec = z.infer<typeof profileSpecSchema>
