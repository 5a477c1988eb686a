export type { QueryEngine, QueryResult } from './types.js';
export { createDuckDbEngine, type DuckDbEngine, type DuckDbEngineOptions } from './duckdb.js';
export { createAthenaEngine, AthenaQueryError, type AthenaEngineOptions } from './athena.js';
export { renderViews, type RenderedView } from '../../sql/render.js';
