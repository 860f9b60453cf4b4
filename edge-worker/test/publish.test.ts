import { env, SELF } from 'cloudflare:test'
import { beforeAll, describe, expect, it } from 'vitest'
import { loadModel } from '../src/models/loader.ts'
import { ADMIN, instances, KEY_C, type ModelFixture, makeModel, postJson, publish, putAlias, uploadBlob } from './fixtures.ts'

async function servedVersion(name: string): Promise<number> {
  const res = await postJson(`/v1/models/${name}/predict`, { instances: instances(1, 9) }, KEY_C)
  expect(res.status).toBe(200)
  return (await res.json<{ model: { version: number } }>()).model.version
}

async function aliases(name: string): Promise<Record<string, number>> {
  const res = await SELF.fetch(`https://edge.test/admin/models/${name}/aliases`, { headers: ADMIN })
  expect(res.status).toBe(200)
  return (await res.json<{ aliases: Record<string, number> }>()).aliases
}

describe('admin publish path', () => {
  let v1: ModelFixture
  let v2: ModelFixture
  beforeAll(async () => {
    v1 = await makeModel('swap-model', 1, 401)
    v2 = await makeModel('swap-model', 2, 402)
    await publish(v1)
  })

  it('refuses a blob whose bytes do not hash to its name', async () => {
    const res = await uploadBlob(v2.fp32, 'a'.repeat(64))
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({ error: { code: 'sha256_mismatch', field: 'sha256' } })
  })

  it('a manifest naming a missing blob is refused and the old alias keeps serving', async () => {
    // int8 uploaded, fp32 not
    expect((await uploadBlob(v2.int8, v2.manifest.files.int8.sha256)).status).toBe(201)
    const res = await putAlias(v2.manifest, 'swap-model', 'champion')
    expect(res.status).toBe(409)
    expect(await res.json()).toMatchObject({ error: { code: 'blob_missing', field: 'files.fp32' } })
    expect(await aliases('swap-model')).toEqual({ champion: 1 })
    expect(await servedVersion('swap-model')).toBe(1)
  })

  it('a manifest whose size or sha256 disagrees with the stored blob is refused', async () => {
    expect((await uploadBlob(v2.fp32, v2.manifest.files.fp32.sha256)).status).toBe(201)
    const wrongSize = structuredClone(v2.manifest)
    wrongSize.files.fp32.size += 1
    let res = await putAlias(wrongSize, 'swap-model', 'champion')
    expect(res.status).toBe(409)
    expect(await res.json()).toMatchObject({ error: { code: 'blob_mismatch', field: 'files.fp32.size' } })
    // a blob stored under another model's name: right key shape, wrong content
    const swapped = structuredClone(v2.manifest)
    swapped.files.int8 = { ...v1.manifest.files.int8, key: v2.manifest.files.int8.key }
    res = await putAlias(swapped, 'swap-model', 'champion')
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({ error: { field: 'files.int8.key' } })
    expect(await aliases('swap-model')).toEqual({ champion: 1 })
  })

  it('an invalid manifest is a 400 naming the field', async () => {
    const res = await putAlias({ ...v2.manifest, threshold: 3 }, 'swap-model', 'champion')
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({ error: { code: 'invalid_request', field: 'threshold' } })
  })

  it('refuses a model built for another feature layout', async () => {
    const res = await putAlias({ ...v2.manifest, featureSchemaHash: 'b'.repeat(64) }, 'swap-model', 'champion')
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({ error: { code: 'feature_schema_mismatch', field: 'featureSchemaHash' } })
  })

  it('swaps the model by alias; a warm isolate picks it up after MODEL_CACHE_TTL_SECONDS', async () => {
    expect(await servedVersion('swap-model')).toBe(1)
    await publish(v2)
    expect(await aliases('swap-model')).toEqual({ champion: 2 })
    // within the TTL the cached version keeps answering without touching KV
    expect(await servedVersion('swap-model')).toBe(1)
    const later = Date.now() + 31_000
    expect((await loadModel(env, 'swap-model', 'champion', later))?.manifest.version).toBe(2)
    expect(await servedVersion('swap-model')).toBe(2)
  })

  it('keeps serving the previous model when a new blob fails verification', async () => {
    const good = await makeModel('verify-model', 1, 403)
    const bad = await makeModel('verify-model', 2, 404)
    await publish(good)
    const t0 = Date.now() + 100_000
    expect((await loadModel(env, 'verify-model', 'champion', t0))?.manifest.version).toBe(1)
    // simulate corruption behind the publish check: the stored bytes no longer match the manifest
    await env.MODELS.put(bad.manifest.files.fp32.key, good.fp32.slice().reverse())
    await env.ALIASES.put('manifest/verify-model/2', JSON.stringify(bad.manifest))
    await env.ALIASES.put('alias/verify-model/champion', '2')
    expect((await loadModel(env, 'verify-model', 'champion', t0 + 31_000))?.manifest.version).toBe(1)
  })

  it('answers a model that cannot load with 503 at once until the TTL has passed, then loads it once it is repaired', async () => {
    const model = await makeModel('repair-model', 1, 405)
    await publish(model)
    const file = model.manifest.files.fp32
    await env.MODELS.put(file.key, model.fp32.slice().reverse())
    let reads = 0
    const get = (key: string) => {
      reads++
      return env.MODELS.get(key)
    }
    const counted = { ...env, MODELS: { get } as unknown as R2Bucket }
    const t0 = Date.now() + 200_000
    for (const at of [t0, t0 + 1000, t0 + 29_000]) {
      await expect(loadModel(counted, 'repair-model', 'champion', at)).rejects.toMatchObject({
        status: 503,
        code: 'model_unavailable',
        version: 1,
      })
    }
    expect(reads).toBe(1)
    await env.MODELS.put(file.key, model.fp32)
    expect((await loadModel(counted, 'repair-model', 'champion', t0 + 31_000))?.manifest.version).toBe(1)
    expect(reads).toBe(2)
  })

  it('refuses to replace a published version with another manifest', async () => {
    const other = await makeModel('swap-model', 2, 499)
    await publish({ ...other, manifest: { ...other.manifest, version: 3 } }, 'staging')
    const res = await putAlias({ ...other.manifest, version: 1 }, 'swap-model', 'staging')
    expect(res.status).toBe(409)
    expect(await res.json()).toMatchObject({ error: { code: 'version_exists' } })
  })

  it('withdraws a challenger alias, keeps its version publishable, and never withdraws the champion', async () => {
    const withdraw = (alias: string) =>
      SELF.fetch(`https://edge.test/admin/models/swap-model/aliases/${alias}`, { method: 'DELETE', headers: ADMIN })
    await publish(v2, 'challenger')
    expect(await aliases('swap-model')).toMatchObject({ challenger: 2 })
    const res = await withdraw('challenger')
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ name: 'swap-model', alias: 'challenger', previous: 2 })
    expect(await aliases('swap-model')).not.toHaveProperty('challenger')
    expect(await env.ALIASES.get('alias/swap-model/challenger')).toBeNull()

    const again = await withdraw('challenger')
    expect(again.status).toBe(404)
    expect(await again.json()).toMatchObject({ error: { code: 'alias_not_found', field: 'alias' } })
    const champion = await withdraw('champion')
    expect(champion.status).toBe(409)
    expect(await champion.json()).toMatchObject({ error: { code: 'champion_required', field: 'alias' } })
    expect(await aliases('swap-model')).toHaveProperty('champion')
    const anonymous = await SELF.fetch('https://edge.test/admin/models/swap-model/aliases/staging', { method: 'DELETE' })
    expect(anonymous.status).toBe(401)
    // the manifest stays: the same version can take the alias again
    await publish(v2, 'challenger')
    expect(await aliases('swap-model')).toMatchObject({ challenger: 2 })
  })
})
