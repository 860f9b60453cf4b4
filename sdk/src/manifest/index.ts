import { z } from 'zod'
import { profileSchema } from '../drift/profile-types.ts'
import { CELL_NAMES } from '../features/keys.ts'
import { airportCode } from '../features/schema.ts'

export { featureSchemaHash, sha256Hex } from './hash.ts'
export { artifactFile, manifestFiles, modelTensors, shardArtifact, tableFiles } from './tensors.ts'

/** 3: the encoder's cell tables are a global blob (files.encoder) plus one shard per origin (files.shards) */
export const MANIFEST_VERSION = 3

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be a lower-case hex sha256')

export const artifactFileSchema = z.object({
  /** content-addressed key in the artifact store (R2): blobs/<sha256> */
  key: z.string().min(1),
  sha256: sha256Hex,
  size: z.number().int().positive(),
})

/** A shard's entry: its key is blobs/<sha256> like every file's, left out because a manifest lists ~200 of them. */
export const shardFileSchema = artifactFileSchema.omit({ key: true })

const entryCount = z.number().int().nonnegative()

/** The encoder's scalars and vocabulary; its cell tables are the blobs files.encoder and files.shards (sdk/src/features/tables.ts). */
export const encoderSpecSchema = z.object({
  version: z.literal(2),
  globalRate: z.number().min(0).max(1),
  smoothing: z.number().positive(),
  /** entries of each cell table (global blob and shards together): a global blob from another version is refused on load */
  cells: z.object(Object.fromEntries(CELL_NAMES.map((c) => [c, entryCount])) as Record<(typeof CELL_NAMES)[number], typeof entryCount>),
  airports: z.array(z.string()),
  logDistance: z.object({ mean: z.number(), std: z.number().positive() }),
})

export const tensorSpecSchema = z.object({
  name: z.string(),
  dtype: z.enum(['float32', 'int32']),
  /** -1 marks the batch dimension */
  shape: z.array(z.number().int()),
  description: z.string(),
})

export const manifestSchema = z.object({
  manifestVersion: z.literal(MANIFEST_VERSION),
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and dashes'),
  version: z.number().int().positive(),
  createdAt: z.iso.datetime(),
  runId: z.string(),
  dataVersion: z.string(),
  /** sha256 of the feature names and encoder version: a model and an encoder must agree on it */
  featureSchemaHash: sha256Hex,
  family: z.string(),
  /** the ONNX graphs and the encoder's cell tables, each content-addressed */
  files: z.object({
    fp32: artifactFileSchema,
    int8: artifactFileSchema,
    /** the global cell tables */
    encoder: artifactFileSchema,
    /** by origin airport: the origin's route × hour, flight and slot tables, fetched when a flight from it is encoded */
    shards: z.record(airportCode, shardFileSchema),
  }),
  inputs: z.array(tensorSpecSchema),
  outputs: z.array(tensorSpecSchema),
  encoder: encoderSpecSchema,
  /** probability at or above which a flight is reported as delayed */
  threshold: z.number().min(0).max(1),
  metrics: z.record(z.string(), z.number()),
  parity: z.record(z.string(), z.number()),
  referenceProfile: profileSchema,
})
export type ModelManifest = z.infer<typeof manifestSchema>
export type ArtifactFile = z.infer<typeof artifactFileSchema>
export type ShardFile = z.infer<typeof shardFileSchema>
