import { spawnSync } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { checkInfra } from './check.ts'

const root = path.resolve(import.meta.dirname, '..')
const wranglerText = readFileSync(path.join(root, 'wrangler.toml'), 'utf8')
const real = { wranglerPath: path.join(root, 'wrangler.toml'), terraformDir: path.join(root, 'infra/terraform') }
const temps: string[] = []

function edited(text: string, from: string, to: string): string {
  expect(text).toContain(from)
  return text.replace(from, to)
}

/** A temp checkout whose wrangler.toml is `text`; migrations are the real ones so only the edit differs. */
function wranglerCopy(text: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tarmac-infra-'))
  temps.push(dir)
  symlinkSync(path.join(root, 'edge-worker'), path.join(dir, 'edge-worker'))
  writeFileSync(path.join(dir, 'wrangler.toml'), text)
  return path.join(dir, 'wrangler.toml')
}

function terraformCopy(edit: (mainTf: string) => string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tarmac-tf-'))
  temps.push(dir)
  cpSync(real.terraformDir, dir, { recursive: true })
  writeFileSync(path.join(dir, 'main.tf'), edit(readFileSync(path.join(dir, 'main.tf'), 'utf8')))
  return dir
}

afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true })
})

describe('infra check', () => {
  it('passes on the committed wrangler.toml and infra/terraform', async () => {
    expect(await checkInfra(real)).toEqual([])
  })

  it('names a renamed binding of an environment', async () => {
    const text = edited(wranglerText, '[[env.staging.r2_buckets]]\nbinding = "MODELS"', '[[env.staging.r2_buckets]]\nbinding = "MODELZ"')
    expect(await checkInfra({ ...real, wranglerPath: wranglerCopy(text) })).toEqual([
      'wrangler.toml [env.staging] r2_buckets: binding MODELS is missing (the Worker reads it)',
      'wrangler.toml [env.staging] r2_buckets: binding MODELZ is not declared at the top level (the Worker reads MODELS)',
    ])
  })

  it('names a bucket, queue or database that Terraform does not create', async () => {
    let text = edited(wranglerText, 'bucket_name = "tarmac-models-production"', 'bucket_name = "tarmac-model-production"')
    text = edited(text, 'queue = "tarmac-telemetry-staging"', 'queue = "tarmac-telemetri-staging"')
    const problems = await checkInfra({ ...real, wranglerPath: wranglerCopy(text) })
    expect(problems).toContain(
      'wrangler.toml [env.production] r2_buckets MODELS: "tarmac-model-production" has no cloudflare_r2_bucket in infra/terraform (production has: tarmac-models-production)',
    )
    expect(problems).toContain(
      'wrangler.toml [env.staging] queues.producers TELEMETRY: "tarmac-telemetri-staging" has no cloudflare_queue in infra/terraform (staging has: tarmac-departures-staging, tarmac-departures-dlq-staging, tarmac-stream-results-staging, tarmac-telemetry-staging, tarmac-telemetry-dlq-staging)',
    )
  })

  it('names a binding whose Terraform resource is missing', async () => {
    const terraformDir = terraformCopy((tf) => tf.replace(/resource "cloudflare_queue" "telemetry_dlq" \{[\s\S]*?\n\}\n/, ''))
    const problems = await checkInfra({ ...real, terraformDir })
    for (const env of ['staging', 'production'])
      expect(problems).toContain(
        `wrangler.toml [env.${env}] queues.consumers dead_letter_queue tarmac-telemetry-${env}: "tarmac-telemetry-dlq-${env}" has no cloudflare_queue in infra/terraform (${env} has: tarmac-departures-${env}, tarmac-departures-dlq-${env}, tarmac-stream-results-${env}, tarmac-telemetry-${env})`,
      )
    expect(problems).toHaveLength(2)
  })

  it('refuses a lifecycle rule that could expire pinned blobs, and requires one for retired blobs', async () => {
    const terraformDir = terraformCopy((tf) => tf.replace('prefix = "retired/"', 'prefix = "blobs/"'))
    expect(await checkInfra({ ...real, terraformDir })).toEqual(
      ['staging', 'production'].flatMap((env) => [
        `wrangler.toml [env.${env}] r2_buckets MODELS: lifecycle rule deleting prefix "blobs/" would expire blobs that manifests pin`,
        `wrangler.toml [env.${env}] r2_buckets MODELS: no lifecycle rule expires retired/ (superseded model blobs)`,
      ]),
    )
  })

  it('refuses secrets as vars, vars missing from an environment and placeholder ids at deploy time', async () => {
    let text = edited(wranglerText, '[env.production.vars]\n', '[env.production.vars]\nADMIN_KEY_SHA256 = "abc"\n')
    text = edited(text, '[env.staging.vars]\nCANARY_PERCENT = "50"\n', '[env.staging.vars]\n')
    expect(await checkInfra({ ...real, wranglerPath: wranglerCopy(text), deployable: ['production'] })).toEqual([
      'wrangler.toml [env.staging] vars: CANARY_PERCENT is missing (vars are not inherited from the top level)',
      'wrangler.toml [env.production] kv_namespaces ALIASES: id is still the zero placeholder; paste it from `terraform output`',
      'wrangler.toml [env.production] d1_databases DB: database_id is still the zero placeholder; paste it from `terraform output`',
      'wrangler.toml [env.production] vars: ADMIN_KEY_SHA256 is a secret; use wrangler secret put',
    ])
  })

  it('exits 1 from the command line with one line per mismatch', () => {
    const text = edited(wranglerText, 'database_name = "tarmac-edge-staging"', 'database_name = "tarmac-edge-stage"')
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'infra/check.ts', '--wrangler', wranglerCopy(text)], {
      cwd: root,
      encoding: 'utf8',
    })
    expect(run.status).toBe(1)
    expect(run.stderr.trim().split('\n')).toEqual([
      'wrangler.toml [env.staging] d1_databases DB: "tarmac-edge-stage" has no cloudflare_d1_database in infra/terraform (staging has: tarmac-edge-staging)',
      'infra/terraform cloudflare_d1_database.edge is bound by no binding of [env.staging]',
    ])
  })
})
