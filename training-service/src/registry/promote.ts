import type { Db } from '../db/open.ts'
import type { AliasEvent } from '../db/schema.ts'
import { lockModel, writeTransaction } from '../db/transaction.ts'
import { TarmacError } from '../errors.ts'
import { currentVersion, moveAlias } from './aliases.ts'
import { DEFAULT_GATE_CONFIG, evaluateGates, type GateConfig, type GateResult } from './gates.ts'
import { checkAlias, checkAttribution, checkVersion } from './names.ts'
import { getVersion } from './versions.ts'

export type PromoteOptions = {
  alias?: string
  /** take the alias even if gates fail; the event is then recorded as forced */
  force?: boolean
  actor: string
  reason: string
  gates?: Partial<GateConfig>
  /**
   * The champion re-measured on the candidate's validation window (e.g. after retraining on recent data):
   * replaces the champion's stored metrics so both are judged on the same rows.
   */
  championMetrics?: Record<string, number>
}

export type Promotion = { event: AliasEvent; gates: GateResult[] }

/**
 * Gives `alias` (default champion) to a version if it passes the promotion gates against the
 * version holding it now. Reading the champion, judging and moving happen in one write transaction
 * that holds the model: SQLite's IMMEDIATE transaction locks the file, Postgres locks the model's row
 * (SELECT … FOR UPDATE). Two concurrent promotions, from one process or two services, are serialised
 * and the second is judged against the first; the (model, alias) primary key admits one champion.
 */
export async function promote(db: Db, name: string, version: number, options: PromoteOptions): Promise<Promotion> {
  const alias = checkAlias(options.alias ?? 'champion')
  checkVersion(version)
  checkAttribution(options.actor, options.reason)
  const config = { ...DEFAULT_GATE_CONFIG, ...options.gates }
  return writeTransaction(db, async (tx) => {
    await lockModel(tx, name)
    const candidate = await getVersion(tx, name, version)
    const holder = await currentVersion(tx, name, alias)
    if (holder === version) throw new TarmacError('conflict', `version ${version} of "${name}" already holds alias "${alias}"`)
    const champion = holder === null ? null : await getVersion(tx, name, holder)
    const gates = evaluateGates(candidate.metrics, champion ? { ...champion.metrics, ...options.championMetrics } : null, config)
    const failed = gates.filter((g) => !g.passed)
    if (failed.length > 0 && !options.force) {
      const summary = failed.map((g) => `${g.gate} (${g.detail})`).join('; ')
      throw new TarmacError('gate_failed', `version ${version} of "${name}" failed gate(s) ${summary}`, undefined, { gates })
    }
    // "forced" marks an actual override, so an audit query for forced promotions finds only those
    const event = await moveAlias(tx, {
      name,
      alias,
      action: 'set',
      toVersion: version,
      actor: options.actor,
      reason: options.reason,
      forced: failed.length > 0,
      gates,
    })
    return { event, gates }
  })
}
