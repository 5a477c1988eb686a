/**
 * What one journey model file exports. A model is a table materialized from the lake, partitioned by
 * event_date, and maintained incrementally: a refresh rewrites every partition from a start date W on
 * and leaves the partitions before W as they are. `render(d, cfg, from)` is the SELECT of the rows of
 * the partitions >= from; it reads raw lake tables only from W on, and the model tables before W only
 * for the state carried across the boundary (a person's sessions so far, message ids already kept). The
 * refresh planner (plan.ts) chooses W so that nothing before W depends on anything that changed.
 */
import type { ViewConfig } from '../config.js';
import type { SqlDialect } from '../dialect.js';
import type { ViewColumn } from '../view.js';

export interface ModelDefinition {
  /** Table name (model_...); the user-facing views of the same grain read it. */
  readonly name: string;
  /** One paragraph: grain, partition and how the refresh keeps it exact. */
  readonly description: string;
  /** Lake tables, views and models the refresh reads. */
  readonly dependsOn: readonly string[];
  /** Stored columns, event_date (the partition) last. Columns not in the view are internal state. */
  readonly columns: readonly ViewColumn[];
  /**
   * SELECT of the rows of every partition >= from (YYYY-MM-DD); includes event_date. Without `from`,
   * every row computed from the raw tables alone (no earlier partitions to carry state from).
   */
  render(d: SqlDialect, cfg: ViewConfig, from?: string): string;
}

export function defineModel(m: ModelDefinition): ModelDefinition {
  if (m.columns.at(-1)?.name !== 'event_date') throw new Error(`model ${m.name}: event_date must be the last column`);
  return m;
}

/** `event_date >= 'from'`: the partition predicate every refresh read carries. */
export function fromPartition(from: string | undefined, column = 'event_date'): string {
  if (from === undefined) return 'TRUE';
  if (!/^\d{4}-\d{2}-\d{2}$/.test(from)) throw new RangeError(`refresh start must be YYYY-MM-DD, got ${from}`);
  return `${column} >= '${from}'`;
}

/** `event_date < 'from'`: the partitions a refresh leaves as they are. */
export function beforePartition(from: string, column = 'event_date'): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(from)) throw new RangeError(`refresh start must be YYYY-MM-DD, got ${from}`);
  return `${column} < '${from}'`;
}

/** Midnight UTC of a YYYY-MM-DD date as a TIMESTAMP literal both engines parse. */
export function dayStart(date: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new RangeError(`date must be YYYY-MM-DD, got ${date}`);
  return `TIMESTAMP '${date} 00:00:00.000'`;
}

/** An empty relation with the given `name type` columns (both engines). */
export function emptyRelation(columns: readonly (readonly [string, string])[]): string {
  return `SELECT ${columns.map(([n, t]) => `CAST(NULL AS ${t}) AS ${n}`).join(', ')} FROM (VALUES (1)) AS no_rows(x) WHERE 1 = 0`;
}
