export { type AliasChange, aliasHistory, deleteAlias, getAlias, rollback, setAlias, versionAt } from './aliases.ts'
export { DEFAULT_GATE_CONFIG, evaluateGates, GATE_NAMES, type GateConfig, type GateResult } from './gates.ts'
export { type PromoteOptions, type Promotion, promote } from './promote.ts'
export {
  getModel,
  getVersion,
  listModels,
  type ModelDetail,
  type ModelSummary,
  type RegisterVersionInput,
  registerModelVersion,
} from './versions.ts'
