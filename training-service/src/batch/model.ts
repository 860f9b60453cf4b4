import type { ModelManifest } from '@tarmac/sdk/manifest'
import { UserInputError } from '../errors.ts'
import type { Home } from '../home.ts'
import { readEncoder, readManifest } from '../publish/edge-client.ts'
import { getAlias } from '../registry/aliases.ts'
import { getModel, getVersion } from '../registry/versions.ts'
import { sha256Hex } from '../tracking/artifact-store.ts'
import type { ScoringModel } from './local.ts'

export interface ModelRef {
  name: string
  /** a version number, an alias, or null for the latest version */
  selector: number | string | null
}

/** `flight-delay`, `flight-delay@champion` or `flight-delay@3`. */
export function parseModelRef(text: string): ModelRef {
  const m = /^([a-z0-9][a-z0-9-]*)(?:@([a-z0-9][a-z0-9-]*))?$/.exec(text)
  if (!m) throw new UserInputError(`--model must be NAME, NAME@alias or NAME@version, got "${text}"`)
  const selector = m[2] === undefined ? null : /^\d+$/.test(m[2]) ? Number(m[2]) : m[2]
  return { name: m[1], selector }
}

export type ResolvedModel = ScoringModel & { manifest: ModelManifest }

/** The registered version a reference names: its manifest and its fp32 model, checked against the manifest. */
export async function resolveModel(home: Home, ref: ModelRef): Promise<ResolvedModel> {
  const { name, selector } = ref
  const version =
    selector === null
      ? ((await getModel(home.db, name)).versions[0]?.version ?? 0)
      : typeof selector === 'number'
        ? (await getVersion(home.db, name, selector)).version
        : (await getAlias(home.db, name, selector)).version
  if (version === 0) throw new UserInputError(`"${name}" has no versions yet`)
  const manifest = await readManifest(home.store, name, version)
  const fp32 = await home.store.get(manifest.files.fp32.key)
  if (!fp32 || sha256Hex(fp32) !== manifest.files.fp32.sha256) {
    throw new UserInputError(`${manifest.files.fp32.key} does not match the sha256 in the manifest of ${name}@${version}`)
  }
  return { label: `${name}@${version}`, fp32, encoder: await readEncoder(home.store, manifest), threshold: manifest.threshold, manifest }
}
