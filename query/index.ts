export { type RenderedView, renderViews } from '../sql/index.js';
export { type AthenaEngineOptions, AthenaQueryError, createAthenaEngine } from './athena.js';
export {
  type LoadedPaths,
  loadPathsFile,
  loadPathsFromEngine,
  localResultsQuery,
  saveResultsAthena,
  saveResultsLocal,
} from './attribution-io.js';
export { createDuckDbEngine, type DuckDbEngine, type DuckDbEngineOptions } from './duckdb.js';
export type { ModelRefreshOptions, ModelRefreshReport } from './model-refresh.js';
export type { QueryEngine, QueryResult } from './types.js';
