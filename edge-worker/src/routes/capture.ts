import { createRoute, z } from '@hono/zod-openapi'
import { capturePageSchema, captureQuerySchema } from '@tarmac/sdk/contracts/capture'
import { requireAdmin } from '../auth/middleware.ts'
import { readCapturePage } from '../capture/read.ts'
import { createRouter, errors, modelName, pick } from './router.ts'

const route = createRoute({
  method: 'get',
  path: '/admin/capture/{name}',
  summary: 'Captured, labelled rows of a model in a window of event time (what `tarmac data pull` reads)',
  description:
    'Pages through the R2 capture objects of the window in event-hour order, each row joined with its label; rows without a label are counted in `captured` but not returned. Pass `cursor` back until it is null.',
  security: [{ adminKey: [] }],
  middleware: [requireAdmin] as const,
  request: { params: z.object({ name: modelName }), query: captureQuerySchema },
  responses: {
    200: { description: 'One page of labelled rows', content: { 'application/json': { schema: capturePageSchema } } },
    ...pick(errors, [400, 401]),
  },
})

export const captureRoutes = createRouter().openapi(route, async (c) => {
  const q = c.req.valid('query')
  const page = await readCapturePage(c.env, {
    model: c.req.valid('param').name,
    from: Date.parse(q.from),
    to: Date.parse(q.to),
    role: q.role,
    cursor: q.cursor,
    limit: q.limit,
  })
  return c.json(page, 200)
})
