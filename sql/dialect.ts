/**
 * The ONLY place where Athena (Trino) and DuckDB differ. Views are TypeScript template functions that
 * call these helpers for anything non-portable and write plain SQL for the rest (the portable subset that both
 * engines run unchanged: CTEs, window functions with frames, array_agg with
 * ORDER BY, UNNEST ... WITH ORDINALITY, max_by/min_by, IS DISTINCT FROM, `ts + INTERVAL 'n' SECOND`).
 *
 * Rules the helpers encode (each verified on DuckDB 1.5 and against the Trino grammar):
 *  - elapsed time: Trino date_diff counts elapsed units; DuckDB date_diff counts boundaries, date_sub
 *    counts elapsed units like Trino. Always measured in milliseconds (lake precision).
 *  - division: Trino divides integers as integers, DuckDB as doubles: every ratio goes through dbl().
 *  - `1.0` is a DECIMAL literal in both: use dbl() rather than decimal literals in credit math.
 */
export type Dialect = 'athena' | 'duckdb';
export const DIALECTS: readonly Dialect[] = ['athena', 'duckdb'];

export type ElapsedUnit = 'millisecond' | 'second' | 'minute' | 'hour' | 'day' | 'week' | 'month' | 'year';

export interface SqlDialect {
  readonly name: Dialect;
  /** Whole elapsed `unit`s from a to b (b - a), BIGINT. */
  elapsed(unit: ElapsedUnit, a: string, b: string): string;
  /** Elapsed milliseconds from a to b (b - a), BIGINT. */
  msBetween(a: string, b: string): string;
  /** Elapsed seconds from a to b as DOUBLE with millisecond fraction. */
  secondsBetween(a: string, b: string): string;
  /** Number of elements of an array. */
  arraySize(arr: string): string;
  /** Element i (1-based) of an array; NULL when out of range. */
  arrayAt(arr: string, i: string): string;
  /** Join the elements of a VARCHAR array with sep. */
  arrayJoin(arr: string, sep: string): string;
  /** The SQL type name of an array of VARCHAR. */
  readonly varcharArray: string;
  /** Scalar from a JSON string column at a JSONPath such as '$.sku'. */
  jsonString(json: string, path: string): string;
  /** last_value(x) over a window ignoring NULLs; `over` is the window body without parentheses. */
  lastValueIgnoreNulls(x: string, over: string): string;
  /** 'YYYY-MM-DD' of a timestamp or date. */
  dateString(ts: string): string;
}

const athena: SqlDialect = {
  name: 'athena',
  elapsed: (unit, a, b) => `date_diff('${unit}', ${a}, ${b})`,
  msBetween: (a, b) => `date_diff('millisecond', ${a}, ${b})`,
  secondsBetween: (a, b) => `(CAST(date_diff('millisecond', ${a}, ${b}) AS DOUBLE) / 1000)`,
  arraySize: (arr) => `cardinality(${arr})`,
  arrayAt: (arr, i) => `element_at(${arr}, ${i})`,
  arrayJoin: (arr, sep) => `array_join(${arr}, ${sep})`,
  varcharArray: 'ARRAY(VARCHAR)',
  jsonString: (json, path) => `json_extract_scalar(${json}, ${lit(path)})`,
  lastValueIgnoreNulls: (x, over) => `last_value(${x}) IGNORE NULLS OVER (${over})`,
  dateString: (ts) => `CAST(CAST(${ts} AS DATE) AS VARCHAR)`,
};

const duckdb: SqlDialect = {
  name: 'duckdb',
  elapsed: (unit, a, b) => `date_sub('${unit}', ${a}, ${b})`,
  msBetween: (a, b) => `date_sub('millisecond', ${a}, ${b})`,
  secondsBetween: (a, b) => `(CAST(date_sub('millisecond', ${a}, ${b}) AS DOUBLE) / 1000)`,
  arraySize: (arr) => `len(${arr})`,
  // list_extract would be DuckDB-only by name; the subscript is DuckDB's portable-looking form.
  arrayAt: (arr, i) => `(${arr})[${i}]`,
  arrayJoin: (arr, sep) => `array_to_string(${arr}, ${sep})`,
  varcharArray: 'VARCHAR[]',
  jsonString: (json, path) => `json_extract_string(${json}, ${lit(path)})`,
  lastValueIgnoreNulls: (x, over) => `last_value(${x} IGNORE NULLS) OVER (${over})`,
  dateString: (ts) => `CAST(CAST(${ts} AS DATE) AS VARCHAR)`,
};

export function dialectFor(name: Dialect): SqlDialect {
  if (name === 'athena') return athena;
  if (name === 'duckdb') return duckdb;
  throw new RangeError(`unknown SQL dialect ${String(name)}`);
}

// ---- portable helpers (identical in both engines) ----

/** A SQL string literal with quotes escaped. */
export function lit(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** `(a, b, c)` for an IN list of string literals. */
export function inList(values: readonly string[]): string {
  if (values.length === 0) throw new RangeError('IN list must not be empty');
  return `(${values.map(lit).join(', ')})`;
}

/** CAST to DOUBLE: the one way to get real division in both engines. */
export function dbl(expr: string): string {
  return `CAST(${expr} AS DOUBLE)`;
}

/**
 * `ts + INTERVAL 'n' <unit>` in the largest unit that holds the whole number of seconds exactly
 * (30 days -> INTERVAL '30' DAY), the literal form both engines document.
 */
export function plusSeconds(ts: string, seconds: number): string {
  return `(${ts} + ${intervalLiteral(seconds)})`;
}

export function minusSeconds(ts: string, seconds: number): string {
  return `(${ts} - ${intervalLiteral(seconds)})`;
}

export function intervalLiteral(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) throw new RangeError(`bad interval ${seconds}`);
  const s = Math.round(seconds);
  for (const [unit, size] of [
    ['DAY', 86_400],
    ['HOUR', 3_600],
    ['MINUTE', 60],
  ] as const) {
    if (s > 0 && s % size === 0) return `INTERVAL '${s / size}' ${unit}`;
  }
  return `INTERVAL '${s}' SECOND`;
}

/** A safe SQL identifier (views and columns are ours; refuse anything odd rather than quote it). */
export function ident(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new RangeError(`not a plain SQL identifier: ${name}`);
  return name;
}
