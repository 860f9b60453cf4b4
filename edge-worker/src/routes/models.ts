import { createRoute, z } from '@hono/zod-openapi'
import type { ModelManifest } from '@tarmac/sdk/manifest'
import { ApiError } from '../errors.ts'
import { CHALLENGER, CHAMPION } from '../models/keys.ts'
import { loadModel } from '../models/loader.ts'
import { createRouter, errors, modelName, pick } from './router.ts'

const fileSummary = z.object({ key: z.string(), sha256: z.string(), size: z.number() })
const modelSummary = z
  .object({
    name: z.string(),
    version: z.number().int(),
    aliases: z.record(z.string(), z.number().int()),
    createdAt: z.string(),
    runId: z.string(),
    dataVersion: z.string(),
    family: z.string(),
    featureSchemaHash: z.string(),
    threshold: z.number(),
    metrics: z.record(z.string(), z.number()),
    files: z.object({ fp32: fileSummary, int8: fileSummary }),
    encoder: z.object({ airports: z.number().int(), cells: z.record(z.string(), z.number().int()), globalRate: z.number() }),
    engine: z.string(),
  })
  .openapi('ModelSummary')

const route = createRoute({
  method: 'get',
  path: '/v1/models/{name}',
  summary: 'The served model: manifest summary without the encoder tables',
  request: { params: z.object({ name: modelName }) },
  responses: {
    200: {
      description: 'Champion summary and the versions of the serving aliases',
      content: { 'application/json': { schema: modelSummary } },
    },
    ...pick(errors, [400, 401, 404, 429, 503]),
  },
})

function summary(m: ModelManifest) {
  return {
    name: m.name,
    version: m.version,
    createdAt: m.createdAt,
    runId: m.runId,
    dataVersion: m.dataVersion,
    family: m.family,
    featureSchemaHash: m.featureSchemaHash,
    threshold: m.threshold,
    metrics: m.metrics,
    files: m.files,
    encoder: {
      airports: m.encoder.airports.length,
      cells: Object.fromEntries(Object.entries(m.encoder.cells).map(([cell, table]) => [cell, Object.keys(table).length])),
      globalRate: m.encoder.globalRate,
    },
  }
}

export const modelRoutes = createRouter().openapi(route, async (c) => {
  const { name } = c.req.valid('param')
  const champion = await loadModel(c.env, name, CHAMPION)
  if (!champion) throw new ApiError(404, 'model_not_found', `no model '${name}' is published`, 'name')
  const challenger = await loadModel(c.env, name, CHALLENGER).catch(() => null)
  const aliases: Record<string, number> = { [CHAMPION]: champion.manifest.version }
  if (challenger) aliases[CHALLENGER] = challenger.manifest.version
  const engine = (await champion.engines.engine()).name
  return c.json({ ...summary(champion.manifest), aliases, engine }, 200)
})
