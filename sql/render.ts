/**
 * Rendering: views x dialect x config -> CREATE OR REPLACE VIEW statements in dependency order.
 * The CDK views-deployer runs the Athena ones; the DuckDB engine runs the DuckDB ones.
 */
import { resolveViewConfig, type ViewConfig } from './config.js';
import { type Dialect, dialectFor } from './dialect.js';
import { renderModels } from './models/registry.js';
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
  const views = orderedViews().map((v) => {
    const select = v.render(d, cfg).trim();
    return { name: v.name, select, sql: `CREATE OR REPLACE VIEW ${v.name} AS\n${select}` };
  });
  if (dialect !== 'athena') return views;
  // On Athena the journey models are views computed from the raw tables at query time until the
  // scheduled refresh that materializes them is deployed; the views over them are the same either way.
  const models = renderModels(dialect, cfg).map((m) => {
    const select = m.select();
    return { name: m.name, select, sql: `CREATE OR REPLACE VIEW ${m.name} AS\n${select}` };
  });
  // identity_map (raw identity_changes only) first: model_events_sessionized reads it.
  const identityMap = views.filter((v) => v.name === 'identity_map');
  return [...identityMap, ...models, ...views.filter((v) => v.name !== 'identity_map')];
}
