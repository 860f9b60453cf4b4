import { createRoute, z } from '@hono/zod-openapi'
import { type FlightInstance, fieldIssues, flightInstanceSchema, fromInstance } from '@tarmac/sdk/features'
import { ApiError } from '../errors.ts'
import { predictFlights } from '../inference.ts'
import { checkBatchSize, createRouter, errors, modelName, pick } from './router.ts'

/** Open Inference Protocol (KServe v2) tensors; `data` may be flat or nested row-major. */
const tensor = z.object({
  name: z.string(),
  shape: z.array(z.number().int().nonnegative()),
  datatype: z.string(),
  parameters: z.record(z.string(), z.unknown()).optional(),
  data: z.array(z.unknown()),
})

const inferRequest = z
  .object({
    id: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
    inputs: z.array(tensor).min(1, 'at least one input tensor is required'),
    outputs: z.array(z.object({ name: z.string() })).optional(),
  })
  .openapi('InferRequest', {
    example: {
      inputs: [
        { name: 'origin', shape: [1], datatype: 'BYTES', data: ['JFK'] },
        { name: 'destination', shape: [1], datatype: 'BYTES', data: ['LAX'] },
        { name: 'departedAt', shape: [1], datatype: 'BYTES', data: ['2026-05-01T08:30:00'] },
        { name: 'distance', shape: [1], datatype: 'FP64', data: [2475] },
      ],
    },
  })

const inferResponse = z
  .object({
    model_name: z.string(),
    model_version: z.string(),
    id: z.string(),
    parameters: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
    outputs: z.array(tensor.omit({ parameters: true })),
  })
  .openapi('InferResponse')

const route = createRoute({
  method: 'post',
  path: '/v2/models/{name}/infer',
  summary: 'Open Inference Protocol v2 inference',
  description:
    'Columns origin, destination, departedAt (BYTES, ISO 8601 actual gate departure, local wall clock) and distance (FP64, miles), all of shape [N]. ' +
    'Outputs: probability FP32 [N, 1] and prediction_id BYTES [N] (the ids feedback refers to).',
  request: {
    params: z.object({ name: modelName }),
    body: { content: { 'application/json': { schema: inferRequest } }, required: true },
  },
  responses: {
    200: { description: 'Inference response', content: { 'application/json': { schema: inferResponse } } },
    ...pick(errors, [400, 401, 404, 413, 429, 503]),
  },
})

const COLUMNS = { origin: ['BYTES'], destination: ['BYTES'], departedAt: ['BYTES'], distance: ['FP64', 'FP32'] } as const
type Column = keyof typeof COLUMNS
const OUTPUTS = ['probability', 'prediction_id']

type Tensor = z.infer<typeof tensor>

/** The request's columns as flight instances; each problem names the tensor field it comes from. */
function instancesOf(inputs: Tensor[]): FlightInstance[] {
  const columns = {} as Record<Column, { index: number; data: unknown[] }>
  let rows: number | undefined
  for (const column of Object.keys(COLUMNS) as Column[]) {
    const index = inputs.findIndex((t) => t.name === column)
    if (index === -1) throw new ApiError(400, 'invalid_request', `missing input tensor '${column}'`, 'inputs')
    const t = inputs[index]
    const allowed: readonly string[] = COLUMNS[column]
    if (!allowed.includes(t.datatype))
      throw new ApiError(400, 'invalid_request', `must be ${allowed.join(' or ')}`, `inputs.${index}.datatype`)
    const data = t.data.flat(Number.POSITIVE_INFINITY)
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

export const inferV2Routes = createRouter().openapi(route, async (c) => {
  const startedAt = Date.now()
  const body = c.req.valid('json')
  const requested = body.outputs?.map((o) => o.name) ?? OUTPUTS
  const unknown = requested.findIndex((n) => !OUTPUTS.includes(n))
  if (unknown !== -1)
    throw new ApiError(400, 'invalid_request', `unknown output; available: ${OUTPUTS.join(', ')}`, `outputs.${unknown}.name`)
  const instances = instancesOf(body.inputs)
  checkBatchSize(c.env, instances.length, 'inputs')
  const result = await predictFlights(c.env, c.executionCtx, {
    name: c.req.valid('param').name,
    flights: instances.map(fromInstance),
    requestKey: c.get('requestKey'),
    callerKey: c.get('callerKey'),
    startedAt,
  })
  const rows = instances.length
  const tensors = {
    probability: { name: 'probability', datatype: 'FP32', shape: [rows, 1], data: Array.from(result.probabilities) },
    prediction_id: { name: 'prediction_id', datatype: 'BYTES', shape: [rows], data: result.ids },
  }
  return c.json(
    {
      model_name: result.model.name,
      model_version: String(result.model.version),
      id: body.id ?? crypto.randomUUID(),
      parameters: { alias: result.model.alias, engine: result.engine, threshold: result.threshold },
      outputs: requested.map((n) => tensors[n as keyof typeof tensors]),
    },
    200,
  )
})
