import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { type ApiOptions, createApi } from './app.ts'

export type ApiServerOptions = ApiOptions & {
  /** 0 picks a free port */
  port: number
  /** loopback by default: exposing the API is a deliberate choice */
  host?: string
}

export type ApiServer = { url: string; close(): Promise<void> }

export function startApiServer({ port, host = '127.0.0.1', ...api }: ApiServerOptions): Promise<ApiServer> {
  const app = createApi(api)
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port, hostname: host }, (info: AddressInfo) => {
      const address = info.family === 'IPv6' ? `[${info.address}]` : info.address
      resolve({
        url: `http://${address}:${info.port}`,
        close: () =>
          new Promise<void>((done, fail) => {
            server.close((error) => (error ? fail(error) : done()))
          }),
      })
    })
    server.once('error', reject)
  })
}
