import { ApiError } from '../errors.ts'
import { CHALLENGER, CHAMPION } from './keys.ts'
import { loadModel, type ServingModel } from './loader.ts'

export interface Served {
  alias: string
  model: ServingModel
}

/** What a name is served as: its champion, then its challenger when one loads (a broken challenger hides). */
export async function servedVersions(env: Env, name: string): Promise<Served[]> {
  const champion = await loadModel(env, name, CHAMPION)
  if (!champion) throw new ApiError(404, 'model_not_found', `no model '${name}' is published`, 'name')
  const challenger = await loadModel(env, name, CHALLENGER).catch(() => null)
  const served = [{ alias: CHAMPION, model: champion }]
  if (challenger) served.push({ alias: CHALLENGER, model: challenger })
  return served
}

/** The alias serving one version (a versioned Open Inference call); other versions are not loaded at the edge. */
export async function servedVersion(env: Env, name: string, version: string): Promise<Served> {
  const served = await servedVersions(env, name)
  const hit = served.find((s) => String(s.model.manifest.version) === version)
  if (hit) return hit
  const serving = served.map((s) => `${s.model.manifest.version} (${s.alias})`).join(', ')
  throw new ApiError(404, 'version_not_served', `version ${version} of '${name}' is not served; serving ${serving}`, 'version')
}
