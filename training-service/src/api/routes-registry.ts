import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi'
import type { MiddlewareHandler } from 'hono'
import type { Db } from '../db/open.ts'
import { aliasHistory, rollback } from '../registry/aliases.ts'
import type { GateConfig } from '../registry/gates.ts'
import { promote } from '../registry/promote.ts'
import { getModel, listModels } from '../registry/versions.ts'
import {
  AliasEventSchema,
  ErrorSchema,
  GateResultSchema,
  json,
  ModelDetailSchema,
  ModelSummarySchema,
  param,
  RollbackBodySchema,
  SetAliasBodySchema,
} from './schemas.ts'
import { aliasEventJson, versionJson } from './to-json.ts'

// Changes through the API are attributed to the admin key; the reason says who and why.
const API_ACTOR = 'api-admin'

const modelParams = z.object({ name: param('name', 'flight-delay') })
const aliasParams = modelParams.extend({ alias: param('alias', 'champion') })
const adminErrors = {
  400: json(ErrorSchema, 'invalid body'),
  401: json(ErrorSchema, 'missing or wrong admin key'),
  404: json(ErrorSchema, 'unknown model, version or alias'),
  409: json(ErrorSchema, 'a promotion gate failed, or the alias already points there'),
}

export type RegistryRouteOptions = { db: Db; requireAdmin: MiddlewareHandler; gates?: Partial<GateConfig> }

export function registerRegistryRoutes(app: OpenAPIHono, { db, requireAdmin, gates }: RegistryRouteOptions): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/models',
      summary: 'List registered models with their latest version and aliases',
      responses: { 200: json(z.object({ models: z.array(ModelSummarySchema) }), 'all models by name') },
    }),
    async (c) => {
      const models = (await listModels(db)).map((m) => ({ ...m, createdAt: m.createdAt.toISOString() }))
      return c.json({ models }, 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/models/{name}',
      summary: 'Get a model with its versions (newest first) and aliases',
      request: { params: modelParams },
      responses: { 200: json(ModelDetailSchema, 'the model'), 404: json(ErrorSchema, 'unknown model') },
    }),
    async (c) => {
      const model = await getModel(db, c.req.valid('param').name)
      return c.json({ ...model, createdAt: model.createdAt.toISOString(), versions: model.versions.map(versionJson) }, 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/models/{name}/aliases/{alias}/history',
      summary: "An alias's audit trail, newest first",
      request: { params: aliasParams },
      responses: { 200: json(z.object({ events: z.array(AliasEventSchema) }), 'alias events'), 404: json(ErrorSchema, 'unknown model') },
    }),
    async (c) => {
      const { name, alias } = c.req.valid('param')
      return c.json({ events: (await aliasHistory(db, name, alias)).map(aliasEventJson) }, 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/models/{name}/aliases/{alias}',
      summary: 'Promote a version to an alias through the promotion gates (admin)',
      middleware: [requireAdmin],
      security: [{ adminKey: [] }],
      request: { params: aliasParams, body: { content: { 'application/json': { schema: SetAliasBodySchema } }, required: true } },
      responses: { 200: json(z.object({ event: AliasEventSchema, gates: z.array(GateResultSchema) }), 'the alias moved'), ...adminErrors },
    }),
    async (c) => {
      const { name, alias } = c.req.valid('param')
      const { version, reason, force } = c.req.valid('json')
      const promotion = await promote(db, name, version, { alias, actor: API_ACTOR, reason, force, gates })
      return c.json({ event: aliasEventJson(promotion.event), gates: promotion.gates }, 200)
    },
  )

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/models/{name}/aliases/{alias}/rollback',
      summary: 'Move an alias back to the version it held before (admin)',
      middleware: [requireAdmin],
      security: [{ adminKey: [] }],
      request: { params: aliasParams, body: { content: { 'application/json': { schema: RollbackBodySchema } }, required: true } },
      responses: { 200: json(z.object({ event: AliasEventSchema }), 'the alias moved back'), ...adminErrors },
    }),
    async (c) => {
      const { name, alias } = c.req.valid('param')
      const event = await rollback(db, name, alias, { actor: API_ACTOR, reason: c.req.valid('json').reason })
      return c.json({ event: aliasEventJson(event) }, 200)
    },
  )
}
