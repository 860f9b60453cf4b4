import { createRoute, z } from '@hono/zod-openapi'
import {
  type OipInferRequest,
  type OipMetadataTensor,
  type OipTensor,
  type OipTensorData,
  oipInferRequestSchema,
  oipInferResponseSchema,
  oipTensorDataSchema,
} from '@tarmac/sdk/contracts/oip'
import { type FlightInstance, fieldIssues, flightInstanceSchema, fromInstance } from '@tarmac/sdk/features'
import type { Context } from 'hono'
import type { AppEnv } from '../app-env.ts'
import { ApiError } from '../errors.ts'
import { predictFlights } from '../inference.ts'
import { servedVersion } from '../models/served.ts'
import { checkBatchSize, createRouter, modelName, modelVersion, pick, v2Errors } from './router.ts'

// tensor data nests recursively: named, it becomes one $ref-ed component instead of an endless expansion
oipTensorDataSchema.openapi('OipTensorData')

const inferRequest = oipInferRequestSchema.openapi('OipInferRequest', {
  example: {
    id: 'req-1',
    inputs: [
      { name: 'origin', shape: [1], datatype: 'BYTES', data: ['JFK'] },
      { name: 'destination', shape: [1], datatype: 'BYTES', data: ['LAX'] },
      { name: 'departedAt', shape: [1], datatype: 'BYTES', data: ['2026-05-01T08:30:00'] },
      { name: 'distance', shape: [1], datatype: 'FP64', data: [2475] },
    ],
  },
})
const inferResponse = oipInferResponseSchema.openapi('OipInferResponse')

/** The raw feature columns infer takes and the datatypes each accepts, the first announced; one row per element. */
const COLUMNS = { origin: ['BYTES'], destination: ['BYTES'], departedAt: ['BYTES'], distance: ['FP64', 'FP32'] } as const
type Column = keyof typeof COLUMNS

/** What model metadata announces, so a generic client can build its tensors. */
export const INPUTS: OipMetadataTensor[] = Object.entries(COLUMNS).map(([name, [datatype]]) => ({ name, datatype, shape: [-1] }))
export const OUTPUTS: OipMetadataTensor[] = [
  { name: 'probability', datatype: 'FP32', shape: [-1, 1] },
  { name: 'prediction_id', datatype: 'BYTES', shape: [-1] },
]

const description =
  'Columns origin, destination, departedAt (BYTES, ISO 8601 actual gate departure, local wall clock) and distance (FP64 or FP32, miles), all of shape [N]. ' +
  "Outputs: probability FP32 [N, 1] and prediction_id BYTES [N] (the ids feedback refers to). The response `id` is the request's."

const route = createRoute({
  method: 'post',
  path: '/v2/models/{name}/infer',
  operationId: 'oipModelInfer',
  summary: "Open Inference Protocol v2 inference (the champion, or a canary's sticky share to the challenger)",
  description,
  request: {
    params: z.object({ name: modelName }),
    body: { content: { 'application/json': { schema: inferRequest } }, required: true },
  },
  responses: {
    200: { description: 'Inference response', content: { 'application/json': { schema: inferResponse } } },
    ...pick(v2Errors, [400, 401, 404, 413, 429, 503]),
  },
})

const versionedRoute = createRoute({
  method: 'post',
  path: '/v2/models/{name}/versions/{version}/infer',
  operationId: 'oipModelVersionInfer',
  summary: 'Open Inference Protocol v2 inference by one served version (no canary routing)',
  description,
  request: {
    params: z.object({ name: modelName, version: modelVersion }),
    body: { content: { 'application/json': { schema: inferRequest } }, required: true },
  },
  responses: {
    200: { description: 'Inference response', content: { 'application/json': { schema: inferResponse } } },
    ...pick(v2Errors, [400, 401, 404, 413, 429, 503]),
  },
})

const OUTPUT_NAMES = OUTPUTS.map((o) => o.name)

/** The request's columns as flight instances; each problem names the tensor field it comes from. */
/** Nested row-major data, flat. */
function flatten(data: OipTensorData): (number | string | boolean)[] {
  return data.flatMap((d) => (Array.isArray(d) ? flatten(d) : [d]))
}

function instancesOf(inputs: OipTensor[]): FlightInstance[] {
  const columns = {} as Record<Column, { index: number; data: unknown[] }>
  let rows: number | undefined
  for (const column of Object.keys(COLUMNS) as Column[]) {
    const index = inputs.findIndex((t) => t.name === column)
    if (index === -1) throw new ApiError(400, 'invalid_request', `missing input tensor '${column}'`, 'inputs')
    const t = inputs[index]
    const allowed: readonly string[] = COLUMNS[column]
    if (!allowed.includes(t.datatype))
      throw new ApiError(400, 'invalid_request', `must be ${allowed.join(' or ')}`, `inputs.${index}.datatype`)
    const data = flatten(t.data)
    const size = t.shape.reduce((a, b) => a * b, 1)
    if (t.shape.length !== 1 || data.length !== size) {
      throw new ApiError(400, 'invalid_request', `shape must be [N] and match the ${data.length} data values`, `inputs.${index}.shape`)
    }
    if (rows !== undefined && size !== rows)
      throw new ApiError(400, 'invalid_request', `has ${size} rows, other inputs ${rows}`, `inputs.${index}.shape`)
    rows = size
    columns[column] = { index, data }
  }
  const instances = Array.from({ length: rows ?? 0 }, (_, r) =>
    Object.fromEntries((Object.keys(COLUMNS) as Column[]).map((k) => [k, columns[k].data[r]])),
  )
  const parsed = z.array(flightInstanceSchema).min(1, 'inputs have no rows').safeParse(instances)
  if (!parsed.success) {
    const [issue] = fieldIssues(parsed.error)
    // 'row.column' → 'inputs.<tensor>.data.<row>'
    const [row, column] = issue.field.split('.')
    const field = column in columns ? `inputs.${columns[column as Column].index}.data.${row}` : 'inputs'
    throw new ApiError(400, 'invalid_request', issue.message, field)
  }
  return parsed.data
}

async function infer(c: Context<AppEnv>, body: OipInferRequest, name: string, alias?: string) {
  const startedAt = Date.now()
  const requested = body.outputs?.map((o) => o.name) ?? OUTPUT_NAMES
  const unknown = requested.findIndex((n) => !OUTPUT_NAMES.includes(n))
  if (unknown !== -1)
    throw new ApiError(400, 'invalid_request', `unknown output; available: ${OUTPUT_NAMES.join(', ')}`, `outputs.${unknown}.name`)
  const instances = instancesOf(body.inputs)
  checkBatchSize(c.env, instances.length, 'inputs')
  const result = await predictFlights(c.env, c.executionCtx, {
    name,
    flights: instances.map(fromInstance),
    requestKey: c.get('requestKey'),
    callerKey: c.get('callerKey'),
    startedAt,
    alias,
  })
  const rows = instances.length
  const tensors = {
    probability: { name: 'probability', datatype: 'FP32', shape: [rows, 1], data: Array.from(result.probabilities) },
    prediction_id: { name: 'prediction_id', datatype: 'BYTES', shape: [rows], data: result.ids },
  }
  return {
    model_name: result.model.name,
    model_version: String(result.model.version),
    id: body.id ?? crypto.randomUUID(),
    parameters: { alias: result.model.alias, engine: result.engine, threshold: result.threshold },
    outputs: requested.map((n) => tensors[n as keyof typeof tensors]),
  }
}

export const inferV2Routes = createRouter()
  .openapi(route, async (c) => c.json(await infer(c, c.req.valid('json'), c.req.valid('param').name), 200))
  .openapi(versionedRoute, async (c) => {
    const { name, version } = c.req.valid('param')
    const { alias } = await servedVersion(c.env, name, version)
    return c.json(await infer(c, c.req.valid('json'), name, alias), 200)
  })
