/**
 * The attribution_results lake table: every saved run, one row per model x channel, queryable from
 * Athena and DuckDB next to the views. Defined once here; the CDK stack creates the Glue table from
 * ATTRIBUTION_RESULTS_TABLE / attributionResultsGlueColumns(), the local writer from the same list.
 *
 *   s3://<lake bucket>/attribution_results/run_date=YYYY-MM-DD/<file>.parquet
 *   <lake dir>/attribution_results/run_date=YYYY-MM-DD/<run_id>.parquet        (local)
 *
 * Glue: table `attribution_results`, Parquet (ParquetHiveSerDe, MapredParquetInput/OutputFormat),
 * location <lake>/attribution_results/, partition key run_date string (partition projection on
 * run_date as a date 'yyyy-MM-dd', or MSCK REPAIR, both work: the layout is Hive-style).
 * Athena writes to it with INSERT INTO ... VALUES (insertResultsSql), which Athena supports for
 * Parquet Hive tables; locally the rows go through DuckDB COPY ... (FORMAT parquet).
 * Pure: builds rows and SQL text, runs nothing.
 */

import type { ModelResult } from '../domain/index.js';
import { duckdbColumnsOf, duckdbType, glueColumnsOf, type LakeColumn, type LakeColumnType } from '../schemas/index.js';

export const ATTRIBUTION_RESULTS_TABLE_NAME = 'attribution_results';

const col = (name: string, type: LakeColumnType, doc: string): LakeColumn => ({ name, type, doc });

export const ATTRIBUTION_RESULTS_COLUMNS: readonly LakeColumn[] = [
  col('run_id', 'string', 'One id per `threadline attribution --save` run'),
  col('model', 'string', 'markov | shapley | shapley_exact | first_touch | last_touch | last_non_direct | linear | position_based'),
  col('markov_order', 'int', 'Markov order (1-4); null for other models (named so, not "order", to spare SQL quoting)'),
  col('converting_only', 'boolean', 'Markov without non-converting paths (ChannelAttribution without var_null)'),
  col('channel', 'string', 'Channel credited'),
  col('conversions', 'double', 'Conversions credited to the channel'),
  col('value', 'double', 'Conversion value credited to the channel'),
  col('removal_effect', 'double', 'Markov only: 1 - P(conversion without the channel) / P(conversion)'),
  col('total_conversions', 'double', 'Conversions attributed in this run (sum over channels)'),
  col('source', 'string', 'Input: channel_paths view (local or athena) or the paths file name'),
  col('computed_at', 'timestamp', 'When the run was computed (UTC, ms)'),
];

export const ATTRIBUTION_RESULTS_PARTITION = {
  name: 'run_date',
  type: 'string',
  doc: 'UTC date of the run (partition), YYYY-MM-DD',
} as const;

export const ATTRIBUTION_RESULTS_TABLE = {
  name: ATTRIBUTION_RESULTS_TABLE_NAME,
  /** Prefix under the lake root (S3 bucket or local folder). */
  prefix: `${ATTRIBUTION_RESULTS_TABLE_NAME}/`,
  columns: ATTRIBUTION_RESULTS_COLUMNS,
  partitionKeys: [ATTRIBUTION_RESULTS_PARTITION],
  format: 'parquet',
} as const;

/** Glue column list for the CDK table (partition key not included; see ATTRIBUTION_RESULTS_TABLE.partitionKeys). */
export function attributionResultsGlueColumns(): { name: string; type: string; comment: string }[] {
  return glueColumnsOf(ATTRIBUTION_RESULTS_COLUMNS);
}

export function attributionResultsDuckdbColumns(): { name: string; type: string }[] {
  return duckdbColumnsOf(ATTRIBUTION_RESULTS_COLUMNS);
}

export interface ResultRow {
  run_id: string;
  model: string;
  markov_order: number | null;
  converting_only: boolean | null;
  channel: string;
  conversions: number;
  value: number;
  removal_effect: number | null;
  total_conversions: number;
  source: string;
  computed_at: string; // 'YYYY-MM-DD HH:mm:ss.SSS' UTC
  run_date: string;
}

export interface RunMeta {
  runId: string;
  computedAt: Date;
  order: number;
  convertingOnly: boolean;
  source: string;
}

export function resultRows(results: readonly ModelResult[], meta: RunMeta): ResultRow[] {
  const ts = meta.computedAt.toISOString().replace('T', ' ').replace('Z', '');
  const runDate = meta.computedAt.toISOString().slice(0, 10);
  const rows: ResultRow[] = [];
  for (const r of results) {
    const markov = r.model === 'markov';
    for (const c of r.channels) {
      rows.push({
        run_id: meta.runId,
        model: r.model,
        markov_order: markov ? meta.order : null,
        converting_only: markov ? meta.convertingOnly : null,
        channel: c.channel,
        conversions: c.conversions,
        value: c.value,
        removal_effect: c.removal_effect ?? null,
        total_conversions: r.total_conversions,
        source: meta.source,
        computed_at: ts,
        run_date: runDate,
      });
    }
  }
  return rows;
}

function lit(v: string | number | boolean | null, type: LakeColumnType): string {
  if (v === null) return 'NULL';
  if (type === 'string') return `'${String(v).replace(/'/g, "''")}'`;
  if (type === 'timestamp') return `TIMESTAMP '${String(v)}'`;
  if (type === 'boolean') return v ? 'TRUE' : 'FALSE';
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`not a finite number: ${String(v)}`);
  return type === 'int' ? String(Math.trunc(v)) : `CAST(${v} AS DOUBLE)`;
}

/** `VALUES (...), (...)` rows in column order, then the partition value (both engines accept it). */
function valuesSql(rows: readonly ResultRow[]): string {
  return rows
    .map((row) => {
      const cells = ATTRIBUTION_RESULTS_COLUMNS.map((c) => lit(row[c.name as keyof ResultRow] as string | number | boolean | null, c.type));
      cells.push(lit(row.run_date, 'string'));
      return `(${cells.join(', ')})`;
    })
    .join(',\n');
}

const quotedNames = () => [...ATTRIBUTION_RESULTS_COLUMNS.map((c) => `"${c.name}"`), `"${ATTRIBUTION_RESULTS_PARTITION.name}"`];

/**
 * Athena: INSERT INTO attribution_results VALUES ... (partition column last, as Hive tables expect).
 * Athena caps a query string at 256 KB: chunk rows (a few hundred per run) if you save huge runs.
 */
export function insertResultsSql(rows: readonly ResultRow[], table = ATTRIBUTION_RESULTS_TABLE_NAME): string {
  if (rows.length === 0) throw new Error('no rows to insert');
  return `INSERT INTO ${table} (${quotedNames().join(', ')})\nVALUES\n${valuesSql(rows)}`;
}

/** DuckDB: the rows as a SELECT, ready for COPY (...) TO 'file.parquet' (FORMAT parquet). */
export function selectRowsSql(rows: readonly ResultRow[]): string {
  if (rows.length === 0) throw new Error('no rows to write');
  const names = quotedNames();
  const casts = [
    ...ATTRIBUTION_RESULTS_COLUMNS.map((c, i) => `CAST(col${i} AS ${duckdbType(c.type)}) AS ${names[i]}`),
    `CAST(col${ATTRIBUTION_RESULTS_COLUMNS.length} AS VARCHAR) AS "${ATTRIBUTION_RESULTS_PARTITION.name}"`,
  ];
  return `SELECT ${casts.join(', ')} FROM (VALUES\n${valuesSql(rows)}) AS t(${names.map((_, i) => `col${i}`).join(', ')})`;
}
