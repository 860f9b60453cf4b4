import { createHash } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'

/**
 * Stand-in for the two routes the browser SDK needs and the Worker does not have yet:
 *   GET /v1/models/{name}/manifest?alias=…  the full manifest (encoder tables included)
 *   GET /v1/blobs/{sha256}                   a model file, immutable
 * It is filled through the same admin calls as the Worker (PUT /admin/blobs/…, PUT /admin/models/…/aliases/…),
 * so a test publishes to both with one helper.
 */
export interface ModelMirror {
  url: string
  /** bytes of blob bodies served, for the transfer report */
  blobBytesServed(): number
  close(): Promise<void>
}

const CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Headers': 'Authorization, Content-Type',
  'Access-Control-Allow-Methods': 'GET, OPTIONS',
  'Access-Control-Max-Age': '600',
}

function body(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

function send(res: ServerResponse, status: number, data: unknown, headers: Record<string, string> = {}): void {
  const payload = data instanceof Uint8Array ? data : Buffer.from(JSON.stringify(data))
  const type = data instanceof Uint8Array ? 'application/octet-stream' : 'application/json'
  res.writeHead(status, { ...CORS, 'Content-Type': type, 'Content-Length': String(payload.length), ...headers })
  res.end(payload)
}

export async function startModelMirror(port: number, adminKey: string): Promise<ModelMirror> {
  const blobs = new Map<string, Buffer>()
  const aliases = new Map<string, unknown>()
  let served = 0

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://mirror')
    if (req.method === 'OPTIONS') return send(res, 204, new Uint8Array())
    if (req.method === 'GET') {
      const manifest = /^\/v1\/models\/([a-z0-9-]+)\/manifest$/.exec(url.pathname)
      if (manifest) {
        const found = aliases.get(`${manifest[1]}/${url.searchParams.get('alias') ?? 'champion'}`)
        return found ? send(res, 200, found, { 'Cache-Control': 'no-cache' }) : send(res, 404, { error: { code: 'model_not_found' } })
      }
      const blob = /^\/v1\/blobs\/([0-9a-f]{64})$/.exec(url.pathname)
      const bytes = blob && blobs.get(blob[1])
      if (bytes) {
        served += bytes.length
        return send(res, 200, bytes, { 'Cache-Control': 'public, max-age=31536000, immutable' })
      }
      return send(res, 404, { error: { code: 'not_found' } })
    }
    if (req.method === 'PUT') {
      if (req.headers.authorization !== `Bearer ${adminKey}`) return send(res, 401, { error: { code: 'unauthorized' } })
      const data = await body(req)
      const blob = /^\/admin\/blobs\/([0-9a-f]{64})$/.exec(url.pathname)
      if (blob) {
        const sha256 = createHash('sha256').update(data).digest('hex')
        if (sha256 !== blob[1]) return send(res, 400, { error: { code: 'sha256_mismatch' } })
        blobs.set(sha256, data)
        return send(res, 201, { key: `blobs/${sha256}`, sha256, size: data.length })
      }
      const alias = /^\/admin\/models\/([a-z0-9-]+)\/aliases\/([a-z0-9-]+)$/.exec(url.pathname)
      if (alias) {
        const manifest = JSON.parse(data.toString('utf8')) as { version: number }
        aliases.set(`${alias[1]}/${alias[2]}`, manifest)
        return send(res, 200, { name: alias[1], alias: alias[2], version: manifest.version })
      }
    }
    send(res, 404, { error: { code: 'not_found' } })
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error) => send(res, 500, { error: { code: 'internal', message: String(error) } }))
  })
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${port}`,
    blobBytesServed: () => served,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}
