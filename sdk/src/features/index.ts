export {
  type CellLookup,
  type CellStat,
  type EncodedBatch,
  type EncoderParams,
  type EncoderSpec,
  encodeFlights,
  type Flight,
  fromInstance,
  fromRecord,
  NUMERIC_FEATURES,
  type ServingEncoder,
  specLookup,
} from './encoder.ts'
export {
  encodeTrainingRows,
  type FitOptions,
  type FittedEncoder,
  fitEncoder,
  foldOf,
  MIN_CELL_COUNT,
  SIZE_TARGET_MIN_CELL_COUNT,
} from './fit.ts'
export { CELL_NAMES, CELL_PARENT, type CellName, cellKeys, departureEpochMs, departureParts } from './keys.ts'
export {
  airportCode,
  DELAY_RANGE_MINUTES,
  DELAY_THRESHOLD_MINUTES,
  type FieldIssue,
  FLIGHT_COLUMNS,
  type FlightInstance,
  type FlightRecord,
  fieldIssues,
  flightInstanceSchema,
  flightRecordSchema,
  isDelayed,
  MAX_DISTANCE_MILES,
  REQUIRED_COLUMNS,
  recordToInstance,
} from './schema.ts'
export { manifestEncoder, type ShardSource, servingEncoder } from './serving.ts'
export {
  type CellTables,
  CellTablesFormatError,
  openCellTables,
  type PackedCellTables,
  packCellTables,
  SHARD_CELLS,
  ShardNotOpenError,
  tableSizes,
} from './tables.ts'
