/**
 * The queries the scale benchmark times, as pure functions of the view list and the lake's dates.
 *
 * A view query must make the engine compute every column of every row without shipping the rows to
 * JavaScript (that would time the driver, not the view): it aggregates a hash of each column.
 * The floor is what any engine has to pay at least: one scan of the same lake columns over the same days,
 * with a plain GROUP BY on person_id (the grain of nearly every view), straight from the Parquet files.
 */
import { localTableGlob, PARTITION_KEY } from '../../sql/index.js';

export type DateKind = 'date' | 'timestamp';
export interface DateColumn {
  readonly column: string;
  /** 'date': a YYYY-MM-DD VARCHAR; 'timestamp': a TIMESTAMP column. */
  readonly kind: DateKind;
}

/**
 * The column a "last 30 days" question filters each view on, or null where the view has no time column
 * (identity_map and the aggregates over all history: the 30-day query is then not defined). Every view
 * in the registry must be listed here (the test checks), so a new view gets a decision.
 */
export const VIEW_DATE_COLUMNS: Readonly<Record<string, DateColumn | null>> = {
  events_deduped: { column: 'event_date', kind: 'date' },
  identity_map: null,
  events_resolved: { column: 'event_date', kind: 'date' },
  events_sessionized: { column: 'event_date', kind: 'date' },
  sessions: { column: 'session_date', kind: 'date' },
  touchpoints: { column: 'event_date', kind: 'date' },
  conversions: { column: 'event_date', kind: 'date' },
  journey_touchpoints: { column: 'conversion_time', kind: 'timestamp' },
  journeys: { column: 'conversion_time', kind: 'timestamp' },
  unconverted_journeys: { column: 'last_touch_time', kind: 'timestamp' },
  attribution: { column: 'conversion_time', kind: 'timestamp' },
  attribution_summary: null,
  channel_paths: null,
  channel_activity: { column: 'event_time', kind: 'timestamp' },
  handoff_events: { column: 'handoff_time', kind: 'timestamp' },
  task_journeys: { column: 'task_start', kind: 'timestamp' },
  channel_handoffs: null,
  person_friction: null,
  escalation_paths: null,
  path_flows: null,
};

/** Inclusive range of days, YYYY-MM-DD. */
export interface DayRange {
  readonly from: string;
  readonly to: string;
}

function lit(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

function nextDay(date: string): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

export function dateFilter(col: DateColumn, range: DayRange): string {
  if (col.kind === 'date') return `${col.column} BETWEEN ${lit(range.from)} AND ${lit(range.to)}`;
  return `${col.column} >= TIMESTAMP ${lit(`${range.from} 00:00:00`)} AND ${col.column} < TIMESTAMP ${lit(`${nextDay(range.to)} 00:00:00`)}`;
}

/** Row count plus an order-independent digest of every column: forces the whole view to be computed. */
export function viewQuerySql(view: string, range?: DayRange): string {
  const col = VIEW_DATE_COLUMNS[view];
  if (range && !col) throw new Error(`view ${view} has no date column for a ranged query`);
  const where = range && col ? ` WHERE ${dateFilter(col, range)}` : '';
  return `SELECT count(*) AS row_count, bit_xor(hash(COLUMNS(*))) FROM ${view}${where}`;
}

export interface FloorSpec {
  readonly table: 'events' | 'identity_changes';
  readonly columns: readonly string[];
}

/**
 * The floor: the same lake columns, the same day partitions, one plain GROUP BY. Read with read_parquet
 * over the lake glob so that the partition filter prunes folders the way the lake layout intends.
 */
export function floorQuerySql(lakeDir: string, spec: FloorSpec, range?: DayRange): string {
  const key = spec.table === 'events' ? 'person_id' : 'from_person_id';
  const cols = spec.columns.filter((c) => c !== key && c !== PARTITION_KEY);
  const aggs = cols.length ? `, ${cols.map((c) => `bit_xor(hash(${c})) AS h_${c}`).join(', ')}` : '';
  const where = range ? ` WHERE ${PARTITION_KEY} BETWEEN ${lit(range.from)} AND ${lit(range.to)}` : '';
  return (
    `SELECT count(*) AS row_count FROM (SELECT ${key}, count(*) AS n${aggs} ` +
    `FROM read_parquet(${lit(localTableGlob(lakeDir, spec.table))}, hive_partitioning = true, union_by_name = true, ` +
    `hive_types = {'${PARTITION_KEY}': VARCHAR})${where} GROUP BY ${key})`
  );
}

interface PlanNode {
  readonly name?: string;
  readonly extra_info?: { Function?: string; Projections?: string | string[]; [k: string]: unknown };
  readonly children?: readonly PlanNode[];
}

/**
 * The lake columns DuckDB actually reads for a query, per Parquet scan, from `EXPLAIN (FORMAT json)`:
 * the view's real footprint, whatever its SQL looks like.
 */
export function parquetScanColumns(explainJson: string): string[][] {
  const out: string[][] = [];
  const walk = (n: PlanNode) => {
    if (n.name === 'READ_PARQUET' || n.extra_info?.Function === 'READ_PARQUET') {
      const p = n.extra_info?.Projections;
      out.push(Array.isArray(p) ? [...p] : typeof p === 'string' ? p.split('\n').filter(Boolean) : []);
    }
    for (const c of n.children ?? []) walk(c);
  };
  const parsed = JSON.parse(explainJson) as PlanNode | PlanNode[];
  for (const n of Array.isArray(parsed) ? parsed : [parsed]) walk(n);
  return out;
}

/** Which table the floor reads for a view: events if any scan reads an events-only column, else identity_changes. */
export function floorSpecFromScans(scans: readonly string[][], eventColumns: readonly string[]): FloorSpec {
  const events = new Set(eventColumns);
  const eventCols = new Set<string>();
  const otherCols = new Set<string>();
  for (const scan of scans) {
    const isEvents = scan.some((c) => events.has(c) && !['message_id', 'event_time', 'schema_version'].includes(c));
    // Scans of the journey models also read derived columns (session_id...): the floor reads the raw ones.
    for (const c of scan) if (!isEvents || events.has(c)) (isEvents ? eventCols : otherCols).add(c);
  }
  if (eventCols.size > 0) return { table: 'events', columns: [...eventCols] };
  return { table: 'identity_changes', columns: [...otherCols] };
}
