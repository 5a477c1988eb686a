export {
  ATTRIBUTION_RESULTS_TABLE,
  ATTRIBUTION_RESULTS_TABLE_NAME,
  attributionResultsGlueColumns,
  insertResultsSql,
  type ResultRow,
  resultRows,
  selectRowsSql,
} from './attribution-results-table.js';
export * from './builders/funnel.js';
export * from './builders/retention.js';
export * from './config.js';
export * from './dialect.js';
export * from './lake-layout.js';
export { addDays, datesBetween } from './models/dates.js';
export * from './models/iceberg.js';
export { duckdbEmptyModelSql, duckdbModelOverParquetSql, localModelsDir } from './models/layout.js';
export type { ModelDefinition } from './models/model.js';
export { movedPersonsStartSql, openSessionsStartSql } from './models/plan.js';
export { MODEL_NAMES, MODELS, modelsFingerprint, type RenderedModel, renderModels } from './models/registry.js';
export * from './registry.js';
export * from './render.js';
export type { ViewColumn, ViewColumnType, ViewDefinition } from './view.js';
export { ATTRIBUTION_MODELS, type AttributionModel } from './views/attribution.js';
export { PATH_SEPARATOR } from './views/journeys.js';
export { CONVERSION_NODE, NULL_NODE } from './views/path_flows.js';
