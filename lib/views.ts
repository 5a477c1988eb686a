/**
 * The Athena views deployed by the stack, rendered at synth time by sql/render.ts from the same
 * templates the DuckDB engine uses offline. Statements name views and tables unqualified: the
 * views-deployer runs each in the stack's Glue database (QueryExecutionContext).
 */
import type { ViewConfig } from '../sql/index.js';
import { renderViews } from '../sql/index.js';
import type { RenderedView } from './query-workgroup.js';

export function renderAthenaViews(config: ViewConfig): RenderedView[] {
  return renderViews('athena', config).map((v) => ({ name: v.name, sql: v.sql }));
}
