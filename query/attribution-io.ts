/**
 * Adapters around the pure attribution core: read paths (a ChannelAttribution file, or the
 * channel_paths view through any QueryEngine) and write results to the lake (local Parquet through
 * DuckDB, or Athena INSERT INTO). The math never sees a file or an engine.
 */
import { createReadStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { AttributionInputError, PathsFileParser, type PathTable, PathTableBuilder } from '../domain/index.js';
import { duckdbType } from '../schemas/index.js';
import {
  ATTRIBUTION_RESULTS_TABLE,
  ATTRIBUTION_RESULTS_TABLE_NAME,
  insertResultsSql,
  type ResultRow,
  selectRowsSql,
} from '../sql/index.js';
import type { QueryEngine } from './types.js';

export interface LoadedPaths {
  table: PathTable;
  /** False when the input had no total_null: Markov then sees converting paths only. */
  hasNulls: boolean;
  source: string;
  /** Rows skipped (view rows without a path). */
  skipped: number;
}

/** Streams a ChannelAttribution-format file line by line (no whole-file string for big inputs). */
export async function loadPathsFile(file: string): Promise<LoadedPaths> {
  try {
    const st = await stat(file);
    if (!st.isFile()) throw new AttributionInputError(`--paths ${file} is not a file`);
  } catch (err) {
    if (err instanceof AttributionInputError) throw err;
    throw new AttributionInputError(`cannot read --paths ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const parser = new PathsFileParser();
  const rl = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  let first = true;
  let parsed: ReturnType<PathsFileParser['finish']>;
  try {
    for await (const line of rl) {
      parser.line(first ? line.replace(/^\uFEFF/, '') : line); // a BOM from spreadsheet exports
      first = false;
    }
    parsed = parser.finish();
  } catch (err) {
    if (err instanceof AttributionInputError) throw new AttributionInputError(`${file}: ${err.message}`);
    throw err;
  } finally {
    rl.close();
  }
  return { table: parsed.table, hasNulls: parsed.hasNullColumn, source: path.basename(file), skipped: 0 };
}

export const CHANNEL_PATHS_SQL = 'SELECT path, total_conversions, total_conversion_value, total_null FROM channel_paths';

const num = (v: unknown): number => (v === null || v === undefined || v === '' ? 0 : Number(v));

/** The channel_paths view through any engine (DuckDB returns numbers, Athena strings: both work). */
export async function loadPathsFromEngine(engine: QueryEngine, source: string): Promise<LoadedPaths> {
  const res = await engine.query<Record<string, unknown>>(CHANNEL_PATHS_SQL);
  const b = new PathTableBuilder();
  let skipped = 0;
  res.rows.forEach((r, i) => {
    const p = r.path;
    if (typeof p !== 'string' || p.trim() === '') {
      skipped++;
      return;
    }
    b.addPath(p, num(r.total_conversions), num(r.total_conversion_value), num(r.total_null), `channel_paths row ${i + 1}`);
  });
  if (b.size === 0) {
    throw new AttributionInputError('channel_paths is empty: no journeys with touches yet');
  }
  return { table: b.build(), hasNulls: true, source, skipped };
}

/**
 * Writes the rows as one Parquet file <lakeDir>/attribution_results/run_date=.../<runId>.parquet via
 * DuckDB COPY; written to a temp name and renamed so a reader never sees half a file.
 */
export async function saveResultsLocal(lakeDir: string, rows: readonly ResultRow[], runId: string): Promise<string> {
  if (rows.length === 0) throw new Error('no result rows to save');
  const runDate = rows[0]!.run_date;
  const dir = path.join(path.resolve(lakeDir), ATTRIBUTION_RESULTS_TABLE_NAME, `run_date=${runDate}`);
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${runId}.parquet`);
  const tmp = `${file}.tmp`;
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    // run_date lives in the folder name (Hive partition), not in the file
    const select = `SELECT * EXCLUDE (run_date) FROM (${selectRowsSql(rows)})`;
    await conn.run(`COPY (${select}) TO '${tmp.replace(/'/g, "''")}' (FORMAT parquet)`);
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
  return file;
}

/** Athena: INSERT INTO the Glue table the CDK stack defines (ATTRIBUTION_RESULTS_TABLE). */
export async function saveResultsAthena(engine: QueryEngine, rows: readonly ResultRow[]): Promise<void> {
  // Athena's query string limit is 256 KB; a row is ~250 bytes of SQL
  for (let i = 0; i < rows.length; i += 500) await engine.query(insertResultsSql(rows.slice(i, i + 500)));
}

/** DuckDB SQL that reads every saved run of a local lake (what `threadline query` can run). */
export function localResultsQuery(lakeDir: string): string {
  const glob = path.join(path.resolve(lakeDir), ATTRIBUTION_RESULTS_TABLE_NAME, '*', '*.parquet').replace(/'/g, "''");
  return `SELECT * FROM read_parquet('${glob}', hive_partitioning = true)`;
}

/** Where a local lake keeps saved attribution runs. */
export function localResultsDir(lakeDir: string): string {
  return path.join(path.resolve(lakeDir), ATTRIBUTION_RESULTS_TABLE_NAME);
}

/**
 * DuckDB DDL that makes `attribution_results` a table of the local engine, as it is in Glue: a view over
 * the saved runs' Parquet files, or, before the first --save, an empty table with the same columns (so
 * that queries over it bind and return no rows).
 */
export function duckdbResultsTableSql(lakeDir: string, hasFiles: boolean): string {
  const partition = ATTRIBUTION_RESULTS_TABLE.partitionKeys[0].name;
  const columns = ATTRIBUTION_RESULTS_TABLE.columns.map((c) => ({ name: c.name, type: duckdbType(c.type) }));
  if (!hasFiles) {
    const cols = [...columns.map((c) => `"${c.name}" ${c.type}`), `"${partition}" VARCHAR`];
    return `CREATE OR REPLACE TABLE ${ATTRIBUTION_RESULTS_TABLE_NAME} (${cols.join(', ')})`;
  }
  const glob = path.join(localResultsDir(lakeDir), '*', '*.parquet').replace(/'/g, "''");
  const cols = [
    ...columns.map((c) => `CAST("${c.name}" AS ${c.type}) AS "${c.name}"`),
    `CAST("${partition}" AS VARCHAR) AS "${partition}"`,
  ];
  return (
    `CREATE OR REPLACE VIEW ${ATTRIBUTION_RESULTS_TABLE_NAME} AS SELECT ${cols.join(', ')} ` +
    `FROM read_parquet('${glob}', hive_partitioning = true, union_by_name = true, hive_types = {'${partition}': VARCHAR})`
  );
}
