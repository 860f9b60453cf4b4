import { type SpawnSyncReturns, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { chmod, mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type PublishedTestModel, publishedTestModel } from './batch/testing.ts'

// Runs every `curl` and Node `fetch` example of docs/api.md against a real `wrangler dev` with a published
// model, and checks the status written on its fence (```sh example 200). ```js browser blocks are not run.

const root = fileURLToPath(new URL('../..', import.meta.url))
const doc = readFileSync(path.join(root, 'docs/api.md'), 'utf8')

interface Example {
  lang: 'sh' | 'js'
  status: number
  code: string
  title: string
}

const examples: Example[] = [...doc.matchAll(/^```(sh|js) example (\d{3})\n([\s\S]*?)^```$/gm)].map((m, i) => ({
  lang: m[1] as 'sh' | 'js',
  status: Number(m[2]),
  code: m[3],
  title: `#${i + 1} ${m[1]} → ${m[2]}: ${m[3].split('\n')[0].slice(0, 70)}`,
}))

let fixture: PublishedTestModel
let dir: string
let env: NodeJS.ProcessEnv

beforeAll(async () => {
  fixture = await publishedTestModel('tarmac-api-docs-')
  const { home, manifest, worker } = fixture
  dir = fixture.dir
  // the folder `tarmac export` writes, which the publishing examples upload from
  await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(manifest))
  for (const [file, entry] of [
    ['model.onnx', manifest.files.fp32],
    ['model.int8.onnx', manifest.files.int8],
  ] as const) {
    await writeFile(path.join(dir, file), (await home.store.get(entry.key)) as Uint8Array)
  }
  // a curl that also reports the status on stderr; a fetch that does the same
  await mkdir(path.join(dir, 'bin'))
  await writeFile(
    path.join(dir, 'bin/curl'),
    `#!/bin/sh\nexec ${spawnSync('which', ['curl']).stdout.toString().trim()} -sS --write-out '%{stderr}%{http_code}\\n' "$@"\n`,
  )
  await chmod(path.join(dir, 'bin/curl'), 0o755)
  await writeFile(
    path.join(dir, 'status.mjs'),
    'const f = globalThis.fetch\nglobalThis.fetch = async (...a) => { const r = await f(...a); process.stderr.write(r.status + "\\n"); return r }\n',
  )
  const res = await fetch(`${worker.url}/v1/models/${manifest.name}/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ instances: [{ origin: 'JFK', destination: 'LAX', departedAt: '2026-05-01T08:30:00', distance: 2475 }] }),
  })
  const predictionId = ((await res.json()) as { predictions: { id: string }[] }).predictions[0].id
  env = {
    ...process.env,
    PATH: `${path.join(dir, 'bin')}:${process.env.PATH}`,
    TARMAC_URL: worker.url,
    TARMAC_API_KEY: 'docs-test-key',
    TARMAC_ADMIN_KEY: worker.adminKey,
    PREDICTION_ID: predictionId,
  }
}, 120_000)

afterAll(() => fixture?.close())

/** Runs an example as a user would paste it; returns the status of its last HTTP call. */
async function run(example: Example, index: number): Promise<{ status: number; output: string }> {
  const options = { cwd: dir, env, encoding: 'utf8', timeout: 30_000 } as const
  let r: SpawnSyncReturns<string>
  if (example.lang === 'sh') r = spawnSync('bash', ['-e', '-c', example.code], options)
  else {
    const file = path.join(dir, `example-${index}.mjs`)
    await writeFile(file, example.code)
    r = spawnSync(process.execPath, ['--import', path.join(dir, 'status.mjs'), file], options)
  }
  const statuses = r.stderr.match(/\d{3}(?=\n|$)/g) ?? []
  return { status: Number(statuses.at(-1)), output: `${r.stdout}\n${r.stderr}` }
}

describe('docs/api.md', () => {
  it('has runnable examples for every route of the OpenAPI document', async () => {
    const openapi = (await (await fetch(`${fixture.worker.url}/openapi.json`)).json()) as { paths: Record<string, object> }
    const code = examples.map((e) => e.code).join('\n')
    const missing = Object.keys(openapi.paths).filter((p) => !new RegExp(p.replace(/\{[^}]+\}/g, '[^/?]+')).test(code))
    expect(missing).toEqual([])
    expect(examples.filter((e) => e.lang === 'js').length).toBeGreaterThan(3)
    expect(doc).toMatch(/```js browser\n[\s\S]*createPredictor/)
  })

  it.each(examples.map((e, i) => [e.title, e, i] as const))('%s', async (_title, example, index) => {
    const { status, output } = await run(example, index)
    expect(status, output).toBe(example.status)
  })
})
