/** The Open Inference Protocol v2 REST surface besides infer: health, server and model metadata, readiness. */
import { createRoute, z } from '@hono/zod-openapi'
import {
  oipModelMetadataSchema,
  oipModelReadySchema,
  oipServerLiveSchema,
  oipServerMetadataSchema,
  oipServerReadySchema,
} from '@tarmac/sdk/contracts/oip'
import packageJson from '../../package.json' with { type: 'json' }
import { type Served, servedVersion, servedVersions } from '../models/served.ts'
import { INPUTS, OUTPUTS } from './infer-v2.ts'
import { createRouter, modelName, modelVersion, pick, v2Errors } from './router.ts'

/** The model is ONNX, served by the TypeScript evaluator or onnxruntime (both checked against onnxruntime). */
const PLATFORM = 'onnxruntime_onnx'

const json = <T extends z.ZodType>(description: string, schema: T) => ({ description, content: { 'application/json': { schema } } })

const live = createRoute({
  method: 'get',
  path: '/v2/health/live',
  operationId: 'oipServerLive',
  summary: 'Server live: the Worker answers',
  responses: { 200: json('Live', oipServerLiveSchema.openapi('OipServerLive')), ...pick(v2Errors, [401, 429]) },
})

const ready = createRoute({
  method: 'get',
  path: '/v2/health/ready',
  operationId: 'oipServerReady',
  summary: 'Server ready: models load on first use, so a live Worker is ready',
  responses: { 200: json('Ready', oipServerReadySchema.openapi('OipServerReady')), ...pick(v2Errors, [401, 429]) },
})

const serverMetadata = createRoute({
  method: 'get',
  path: '/v2',
  operationId: 'oipServerMetadata',
  summary: 'Server metadata: name, version, extensions',
  responses: { 200: json('Server metadata', oipServerMetadataSchema.openapi('OipServerMetadata')), ...pick(v2Errors, [401, 429]) },
})

const modelMetadataSchema = oipModelMetadataSchema.openapi('OipModelMetadata')
const modelReadySchema = oipModelReadySchema.openapi('OipModelReady')

const modelMetadata = createRoute({
  method: 'get',
  path: '/v2/models/{name}',
  operationId: 'oipModelMetadata',
  summary: 'Model metadata: the served versions and the input and output tensors (a generic client builds its request from them)',
  request: { params: z.object({ name: modelName }) },
  responses: { 200: json('Model metadata', modelMetadataSchema), ...pick(v2Errors, [400, 401, 404, 429, 503]) },
})

const versionMetadata = createRoute({
  method: 'get',
  path: '/v2/models/{name}/versions/{version}',
  operationId: 'oipModelVersionMetadata',
  summary: 'Metadata of one served version (the champion or the challenger)',
  request: { params: z.object({ name: modelName, version: modelVersion }) },
  responses: { 200: json('Model metadata', modelMetadataSchema), ...pick(v2Errors, [400, 401, 404, 429, 503]) },
})

const modelReady = createRoute({
  method: 'get',
  path: '/v2/models/{name}/ready',
  operationId: 'oipModelReady',
  summary: 'Model ready: the champion is loaded and an engine runs it',
  request: { params: z.object({ name: modelName }) },
  responses: { 200: json('Ready', modelReadySchema), ...pick(v2Errors, [400, 401, 404, 429, 503]) },
})

const versionReady = createRoute({
  method: 'get',
  path: '/v2/models/{name}/versions/{version}/ready',
  operationId: 'oipModelVersionReady',
  summary: 'Version ready: that version is served and loaded',
  request: { params: z.object({ name: modelName, version: modelVersion }) },
  responses: { 200: json('Ready', modelReadySchema), ...pick(v2Errors, [400, 401, 404, 429, 503]) },
})

function metadata(name: string, served: Served[]) {
  return {
    name,
    versions: [...new Set(served.map((s) => String(s.model.manifest.version)))],
    platform: PLATFORM,
    inputs: INPUTS,
    outputs: OUTPUTS,
  }
}

export const oipRoutes = createRouter()
  .openapi(live, (c) => c.json({ live: true }, 200))
  .openapi(ready, (c) => c.json({ ready: true }, 200))
  .openapi(serverMetadata, (c) => c.json({ name: 'tarmac-edge', version: packageJson.version, extensions: [] }, 200))
  .openapi(modelMetadata, async (c) => {
    const { name } = c.req.valid('param')
    return c.json(metadata(name, await servedVersions(c.env, name)), 200)
  })
  .openapi(versionMetadata, async (c) => {
    const { name, version } = c.req.valid('param')
    return c.json(metadata(name, [await servedVersion(c.env, name, version)]), 200)
  })
  // loading is what makes a model ready: a version no engine can run answers 503
  .openapi(modelReady, async (c) => {
    const { name } = c.req.valid('param')
    await servedVersions(c.env, name)
    return c.json({ name, ready: true }, 200)
  })
  .openapi(versionReady, async (c) => {
    const { name, version } = c.req.valid('param')
    await servedVersion(c.env, name, version)
    return c.json({ name, ready: true }, 200)
  })
