import { createHash } from 'node:crypto'
import { mkdir, rename, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { shardArtifact } from '@tarmac/sdk/manifest'
import type { Command } from 'commander'
import { shardFileName } from '../api/manifests.ts'
import { loadDataset } from '../data/dataset.ts'
import { defaultDataPath } from '../data/source.ts'
import { UserInputError } from '../errors.ts'
import { reproduceParity } from '../export/reproduce.ts'
import { type Home, openHome } from '../home.ts'
import { createProgress } from '../progress.ts'
import { publishVersion, readEncoder, readManifest } from '../publish/edge-client.ts'
import { getModel } from '../registry/versions.ts'
import { readWindowsOption } from './options.ts'
import { emit } from './output.ts'

/** `7` or nothing (the latest version) for a registered model. */
async function resolveVersion(home: Home, name: string, version: string | undefined): Promise<number> {
  const model = await getModel(home.db, name)
  if (version === undefined) {
    const latest = model.versions.reduce((m, v) => Math.max(m, v.version), 0)
    if (latest === 0) throw new UserInputError(`"${name}" has no versions yet`)
    return latest
  }
  const alias = /^@(.+)$/.exec(version)
  if (alias) {
    const v = model.aliases[alias[1]]
    if (v === undefined) throw new UserInputError(`"${name}" has no alias "${alias[1]}"`)
    return v
  }
  const n = Number(version)
  if (!Number.isInteger(n) || n <= 0) throw new UserInputError(`version must be a positive whole number or @alias, got "${version}"`)
  return n
}

export function adminKeyFromEnv(): string {
  const key = process.env.TARMAC_ADMIN_KEY
  if (!key)
    throw new UserInputError(
      'set TARMAC_ADMIN_KEY to the Worker admin key (locally: the key whose sha256 is ADMIN_KEY_SHA256 in .dev.vars)',
    )
  return key
}

export function registerPublishCommands(program: Command): void {
  program
    .command('export')
    .description(
      'write model.onnx, model.int8.onnx, encoder.bin (+ encoder.<origin>.bin shards) and manifest.json of a version to a folder and reproduce its parity numbers',
    )
    .argument('<model>', 'registered model name')
    .argument('[version]', 'version number or @alias (default: latest)')
    .option('--out <dir>', 'output folder (default: ./export/<model>-<version>)')
    .option('--data <file>', 'flights file to re-measure parity on (default: flights-3m.parquet)')
    .option('--windows <file>', 'JSON windows file the version was trained with')
    .option('--skip-reproduce', 'only write and check the files')
    .option('--home <dir>', 'state folder (default: $TARMAC_HOME or ./.tarmac)')
    .option('--json', 'print machine-readable JSON')
    .action(
      async (
        name: string,
        versionArg: string | undefined,
        flags: { out?: string; data?: string; windows?: string; skipReproduce?: boolean; home?: string; json?: boolean },
      ) => {
        const home = await openHome(flags.home)
        try {
          const version = await resolveVersion(home, name, versionArg)
          const manifest = await readManifest(home.store, name, version)
          const out = path.resolve(flags.out ?? path.join('export', `${name}-${version}`))
          await mkdir(out, { recursive: true })
          const files: Record<string, Uint8Array> = {}
          for (const [file, entry] of [
            ['model.onnx', manifest.files.fp32],
            ['model.int8.onnx', manifest.files.int8],
            ['encoder.bin', manifest.files.encoder],
            ...Object.entries(manifest.files.shards).map(([origin, shard]) => [shardFileName(origin), shardArtifact(shard)] as const),
          ] as const) {
            const bytes = await home.store.get(entry.key)
            if (!bytes || createHash('sha256').update(bytes).digest('hex') !== entry.sha256) {
              throw new UserInputError(`${entry.key} does not match the sha256 in the manifest of ${name}@${version}`)
            }
            files[file] = bytes
          }
          files['manifest.json'] = new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`)
          for (const [file, bytes] of Object.entries(files)) {
            await writeFile(path.join(out, `${file}.tmp`), bytes)
            await rename(path.join(out, `${file}.tmp`), path.join(out, file))
          }
          let reproduction = null
          if (!flags.skipReproduce) {
            const windows = await readWindowsOption(flags.windows)
            const ds = await loadDataset(flags.data ?? defaultDataPath(), { windows, progress: createProgress('read') })
            if (ds.dataVersion !== manifest.dataVersion) {
              throw new UserInputError(
                `the data (${ds.dataVersion}) is not the version ${name}@${version} was trained on (${manifest.dataVersion}); pass --data/--windows`,
              )
            }
            reproduction = await reproduceParity(
              manifest,
              files['model.onnx'],
              files['model.int8.onnx'],
              await readEncoder(home.store, manifest),
              ds.splits.validate,
            )
            if (!reproduction.matches)
              throw new UserInputError(
                `parity not reproduced: stored ${JSON.stringify(reproduction.stored)}, measured ${JSON.stringify(reproduction.measured)}`,
              )
          }
          emit(Boolean(flags.json), { model: name, version, out, files: Object.keys(files), reproduction }, (v) =>
            [
              `wrote ${v.files.join(', ')} to ${v.out}`,
              v.reproduction
                ? `onnxruntime-node reproduced the stored parity on ${v.reproduction.rows.toLocaleString('en-US')} rows: AUC fp32 ${v.reproduction.measured.auc_fp32.toFixed(4)}, int8 ${v.reproduction.measured.auc_int8.toFixed(4)}, max |Δp| ${v.reproduction.measured.int8_max_abs_diff_vs_fp32.toFixed(4)}`
                : 'parity not re-measured (--skip-reproduce)',
            ].join('\n'),
          )
        } finally {
          await home.close()
        }
      },
    )

  program
    .command('publish')
    .description('publish a version to the Worker (blobs to R2, verified, then the alias in KV)')
    .argument('<model>', 'registered model name')
    .argument('[version]', 'version number or @alias (default: latest)')
    .option('--alias <alias>', 'alias to point at the version', 'champion')
    .option('--endpoint <url>', 'the Worker base URL', 'http://127.0.0.1:8787')
    .option('--home <dir>', 'state folder (default: $TARMAC_HOME or ./.tarmac)')
    .option('--json', 'print machine-readable JSON')
    .action(
      async (name: string, versionArg: string | undefined, flags: { alias: string; endpoint: string; home?: string; json?: boolean }) => {
        const adminKey = adminKeyFromEnv()
        const home = await openHome(flags.home)
        try {
          const version = await resolveVersion(home, name, versionArg)
          const manifest = await publishVersion(home.store, { endpoint: flags.endpoint, adminKey }, name, version, flags.alias)
          emit(
            Boolean(flags.json),
            { model: name, version, alias: flags.alias, endpoint: flags.endpoint, files: manifest.files },
            (v) => `${v.model}@${v.version} is now "${v.alias}" at ${v.endpoint}`,
          )
        } finally {
          await home.close()
        }
      },
    )
}
