/**
 * Where the models live and how each engine sees them.
 *
 *   <lake root>/models/<fingerprint>/<model>/event_date=YYYY-MM-DD/*.parquet   (local)
 *
 * Locally the fingerprint (registry.ts) keeps models of different configurations or Threadline
 * versions apart; the refresh state (which raw files the models include) sits next to them.
 */
import type { ViewColumnType } from '../view.js';
import type { RenderedModel } from './registry.js';

const DUCKDB_TYPES: Record<ViewColumnType, string> = {
  VARCHAR: 'VARCHAR',
  BIGINT: 'BIGINT',
  INTEGER: 'INTEGER',
  DOUBLE: 'DOUBLE',
  BOOLEAN: 'BOOLEAN',
  TIMESTAMP: 'TIMESTAMP',
  'ARRAY(VARCHAR)': 'VARCHAR[]',
};

function sqlPath(p: string): string {
  return `'${p.replace(/'/g, "''")}'`;
}

export function localModelsDir(lakeDir: string, fingerprint: string): string {
  return `${lakeDir.replace(/\/+$/, '')}/models/${fingerprint}`;
}

/** A DuckDB view over a model's Parquet partitions (event_date from the folder name, as VARCHAR). */
export function duckdbModelOverParquetSql(modelDir: string, model: RenderedModel): string {
  const cols = model.columns.map((c) =>
    c.name === 'event_date' ? 'CAST(event_date AS VARCHAR) AS event_date' : `CAST(${c.name} AS ${DUCKDB_TYPES[c.type]}) AS ${c.name}`,
  );
  return (
    `CREATE OR REPLACE VIEW ${model.name} AS\nSELECT ${cols.join(', ')}\n` +
    `FROM read_parquet(${sqlPath(`${modelDir.replace(/\/+$/, '')}/*/*.parquet`)}, hive_partitioning = true, hive_types = {'event_date': VARCHAR})`
  );
}

/** The model as an empty table, until its first partition is written. */
export function duckdbEmptyModelSql(model: RenderedModel): string {
  return `CREATE OR REPLACE TABLE ${model.name} (${model.columns.map((c) => `${c.name} ${DUCKDB_TYPES[c.type]}`).join(', ')})`;
}
