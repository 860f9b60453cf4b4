import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi'
import type { Db } from '../db/open.ts'
import { getVersion } from '../registry/versions.ts'
import type { ArtifactStore } from '../tracking/artifact-store.ts'
import { MODEL_FILE_PATTERN, modelFileBytes } from './manifests.ts'
import { ErrorSchema, json, param } from './schemas.ts'

const fileRoute = createRoute({
  method: 'get',
  path: '/api/v1/models/{name}/versions/{version}/files/{file}',
  summary:
    "Download a file of a model version: the fp32 or int8 ONNX model, the encoder's global tables (encoder.bin), an origin's tables shard (encoder.<ORIGIN>.bin) or the manifest",
  request: {
    params: z.object({
      name: param('name', 'flight-delay'),
      version: z.coerce
        .number()
        .int()
        .positive()
        .openapi({ param: { name: 'version', in: 'path' }, example: 1 }),
      file: z
        .string()
        .regex(MODEL_FILE_PATTERN, 'model.onnx, model.int8.onnx, encoder.bin, manifest.json or encoder.<ORIGIN>.bin')
        .openapi({ param: { name: 'file', in: 'path' }, example: 'model.int8.onnx' }),
    }),
  },
  responses: {
    200: { content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } }, description: 'the bytes' },
    400: json(ErrorSchema, 'bad version or file name'),
    404: json(ErrorSchema, 'unknown model or version, or the file is missing from the artifact store'),
  },
})

export function registerModelFileRoutes(app: OpenAPIHono, db: Db, artifactStore: ArtifactStore): void {
  app.openapi(fileRoute, async (c) => {
    const { name, version, file } = c.req.valid('param')
    await getVersion(db, name, version)
    const bytes = await modelFileBytes(artifactStore, name, version, file)
    const type = file.endsWith('.json') ? 'application/json' : 'application/octet-stream'
    return c.body(new Uint8Array(bytes), 200, { 'content-type': type, 'content-disposition': `attachment; filename="${file}"` })
  })
}
