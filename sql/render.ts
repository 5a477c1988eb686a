/**
 * Rendering: views x dialect x config -> CREATE OR REPLACE VIEW statements in dependency order.
 * The CDK views-deployer runs the Athena ones; the DuckDB engine runs the DuckDB ones.
 */
import { resolveViewConfig, type ViewConfig } from './config.js';
import { type Dialect, dialectFor } from './dialect.js';
import { orderedViews } from './registry.js';

export interface RenderedView {
  readonly name: string;
  /** `CREATE OR REPLACE VIEW <name> AS <select>` without a trailing semicolon. */
  readonly sql: string;
  /** The SELECT alone. */
  readonly select: string;
}

export function renderViews(dialect: Dialect, config: Partial<ViewConfig> = {}): RenderedView[] {
  const cfg = resolveViewConfig(config);
  const d = dialectFor(dialect);
  return orderedViews().map((v) => {
    const select = v.render(d, cfg).trim();
    return { name: v.name, select, sql: `CREATE OR REPLACE VIEW ${v.name} AS\n${select}` };
  });
}
