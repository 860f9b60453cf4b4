import { createRoute, z } from '@hono/zod-openapi'
import {
  type DepartureMessage,
  MAX_STREAM_EVENTS,
  streamEventsAcceptedSchema,
  streamEventsRequestSchema,
} from '@tarmac/sdk/contracts/stream'
import { createRouter, errors, pick } from '../routes/router.ts'
import { sendChunked } from './sinks.ts'

const streamName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and dashes')
  .openapi({ param: { name: 'name', in: 'path' }, example: 'departures-jfk' })

const request = streamEventsRequestSchema.openapi('StreamEventsRequest', {
  example: {
    events: [
      {
        id: 'AA100-2026-05-01',
        model: 'flight-delay',
        instance: { origin: 'JFK', destination: 'LAX', departedAt: '2026-05-01T08:30:00', distance: 2475 },
      },
    ],
  },
})

const accepted = streamEventsAcceptedSchema.openapi('StreamEventsAccepted')

const route = createRoute({
  method: 'post',
  path: '/v1/streams/{name}/events',
  summary: 'Enqueue departure events for streaming scoring',
  description: `Up to ${MAX_STREAM_EVENTS} events, validated like predict instances. 202 once they are on the departures queue: results go to the configured sinks (results queue and/or signed webhook), once per event id.`,
  request: {
    params: z.object({ name: streamName }),
    body: { content: { 'application/json': { schema: request } }, required: true },
  },
  responses: {
    202: { description: 'On the queue', content: { 'application/json': { schema: accepted } } },
    ...pick(errors, [400, 401, 413, 429]),
  },
})

export const streamRoutes = createRouter().openapi(route, async (c) => {
  const stream = c.req.valid('param').name
  const { events } = c.req.valid('json')
  const enqueuedAt = Date.now()
  const messages = events.map((event): DepartureMessage => ({ stream, enqueuedAt, keyHash: c.get('callerKey'), event }))
  await sendChunked(c.env.DEPARTURES, messages)
  return c.json({ stream, enqueued: messages.length, batches: Math.ceil(messages.length / 100) }, 202)
})
