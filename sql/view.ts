/**
 * What one view file exports. The column list is the view's documentation (rendered into
 * docs/views.md and checked against the engine's actual result columns by the tests), the render
 * function its single SQL template.
 */
import type { ViewConfig } from './config.js';
import type { SqlDialect } from './dialect.js';

/** Documented column types, in Athena spelling; DuckDB equivalents are checked by the tests. */
export type ViewColumnType = 'VARCHAR' | 'BIGINT' | 'INTEGER' | 'DOUBLE' | 'BOOLEAN' | 'TIMESTAMP' | 'ARRAY(VARCHAR)';

export interface ViewColumn {
  readonly name: string;
  readonly type: ViewColumnType;
  readonly doc: string;
}

export interface ViewDefinition {
  readonly name: string;
  /** One paragraph: grain (what one row is) and rules. */
  readonly description: string;
  /** Views and base tables this view reads (dependency order is derived from it). */
  readonly dependsOn: readonly string[];
  readonly columns: readonly ViewColumn[];
  /** Example query for the docs. */
  readonly example: string;
  /** The SELECT body (no CREATE VIEW, no trailing semicolon). */
  render(d: SqlDialect, cfg: ViewConfig): string;
}

export function c(name: string, type: ViewColumnType, doc: string): ViewColumn {
  return { name, type, doc };
}

export function defineView(v: ViewDefinition): ViewDefinition {
  return v;
}
