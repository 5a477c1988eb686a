export type { QueryEngine, QueryResult } from './types.js';
export { createDuckDbEngine, type DuckDbEngine, type DuckDbEngineOptions } from './duckdb.js';
export { createAthenaEngine, AthenaQueryError, type AthenaEngineOptions } from './athena.js';
export { renderViews, type RenderedView } from '../sql/index.js';
export { type LoadedPaths, loadPathsFile, loadPathsFromEngine, localResultsQuery, saveResultsAthena, saveResultsLocal } from './attribution-io.js';
