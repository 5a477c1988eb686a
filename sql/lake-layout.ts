/**
 * The lake layout, defined once: where each table lives (S3 prefix or local folder), how Athena finds
 * its partitions (Glue partition projection, so no crawler and no MSCK REPAIR is ever needed), and the
 * DuckDB definitions over the same folders offline.
 *
 *   <root>/<table>/event_date=YYYY-MM-DD/part-<yyyyMMddHHmmssSSS>-<uuid>.parquet
 *
 * One partition level (day). An hour level does not earn its place: Firehose flushes at most every
 * 900 s per stream, so hourly folders would only multiply small files; every view filters or groups by
 * person and time, and a day partition already bounds the bytes Athena scans for a date range.
 * The partition column is a Glue `string` (projection type `date` formats it as yyyy-MM-dd) and is NOT
 * stored inside the Parquet files (Hive convention; Firehose does the same).
 */
import {
  duckdbColumns,
  EARLIEST_EVENT_DATE,
  glueColumns,
  LAKE_TABLES,
  type LakeTableName,
  PARTITION_COLUMN,
  projectionDateRange,
} from '../schemas/index.js';

export const LAKE_TABLE_NAMES = Object.keys(LAKE_TABLES) as LakeTableName[];
export const PARTITION_KEY = PARTITION_COLUMN.name; // 'event_date'

/** First date partition projection enumerates; queries before it see nothing. The collector refuses older events. */
export const DEFAULT_PROJECTION_START = EARLIEST_EVENT_DATE;

/** `events/` : table prefix under the lake root (bucket prefix or folder). */
export function tablePrefix(table: LakeTableName): string {
  return `${table}/`;
}

/** `events/event_date=2024-05-01/` */
export function partitionPrefix(table: LakeTableName, eventDate: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(eventDate)) throw new RangeError(`event_date must be YYYY-MM-DD, got ${eventDate}`);
  return `${table}/${PARTITION_KEY}=${eventDate}/`;
}

/** `part-20240501T101500123-<uuid>.parquet`: sortable by write time, never reused. */
export function partFileName(writtenAt: Date, uuid: string): string {
  const stamp = writtenAt.toISOString().replace(/[-:]/g, '').replace('.', '').replace('Z', '');
  return `part-${stamp}-${uuid}.parquet`;
}

/**
 * Firehose S3 prefixes (dynamic partitioning with a JQ query `{event_date: .event_date}`): the records
 * carry event_date, so the partition is the event's date, not the arrival date. The error prefix is
 * what Firehose requires with dynamic partitioning; records that fail format conversion land there.
 */
export function firehosePrefixes(
  table: LakeTableName,
  rootPrefix = '',
): { prefix: string; errorOutputPrefix: string; partitionKeyQuery: string } {
  const root = normalisePrefix(rootPrefix);
  return {
    prefix: `${root}${table}/${PARTITION_KEY}=!{partitionKeyFromQuery:${PARTITION_KEY}}/`,
    errorOutputPrefix: `${root}processing-failed/${table}/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/`,
    partitionKeyQuery: `{${PARTITION_KEY}: .${PARTITION_KEY}}`,
  };
}

export interface GlueTableOptions {
  /** s3://bucket/optional/prefix (no trailing slash needed). */
  readonly lakeLocation: string;
  /** First date of the projection range, YYYY-MM-DD. */
  readonly projectionStart?: string;
}

/**
 * Glue partition projection properties for one table. The range ends at `NOW+<n>DAYS` (n from the
 * collector's accepted future, schemas/limits.ts): partitions up to the latest acceptable event date exist
 * without any maintenance; days with no files just read as empty.
 */
export function partitionProjectionParameters(table: LakeTableName, opts: GlueTableOptions): Record<string, string> {
  const start = opts.projectionStart ?? DEFAULT_PROJECTION_START;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(start)) throw new RangeError(`projectionStart must be YYYY-MM-DD, got ${start}`);
  const k = PARTITION_KEY;
  return {
    'projection.enabled': 'true',
    [`projection.${k}.type`]: 'date',
    [`projection.${k}.format`]: 'yyyy-MM-dd',
    [`projection.${k}.range`]: projectionDateRange(start),
    [`projection.${k}.interval`]: '1',
    [`projection.${k}.interval.unit`]: 'DAYS',
    'storage.location.template': `${tableLocation(table, opts.lakeLocation)}${k}=\${${k}}/`,
  };
}

export function tableLocation(table: LakeTableName, lakeLocation: string): string {
  return `${lakeLocation.replace(/\/+$/, '')}/${table}/`;
}

/**
 * The Glue TableInput for one lake table, in the camelCase shape of CDK's
 * `glue.CfnTable.TableInputProperty` (pass it as `tableInput`). Columns come from schemas/lake.ts.
 */
export function glueTableInput(table: LakeTableName, opts: GlueTableOptions) {
  return {
    name: table,
    description: `Threadline lake table ${table} (Parquet, partitioned by ${PARTITION_KEY})`,
    tableType: 'EXTERNAL_TABLE',
    parameters: <Record<string, string>>{
      classification: 'parquet',
      EXTERNAL: 'TRUE',
      'parquet.compression': 'SNAPPY',
      ...partitionProjectionParameters(table, opts),
    },
    partitionKeys: [{ name: PARTITION_KEY, type: 'string', comment: PARTITION_COLUMN.doc }],
    storageDescriptor: {
      columns: glueColumns(table),
      location: tableLocation(table, opts.lakeLocation),
      inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
      outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
      serdeInfo: {
        serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
        parameters: { 'serialization.format': '1' },
      },
      compressed: false,
      storedAsSubDirectories: false,
    },
  };
}

// ---------------------------------------------------------------- DuckDB (local lake)

function sqlPath(p: string): string {
  return `'${p.replace(/'/g, "''")}'`;
}

/** The glob DuckDB reads for a table: every Parquet file under every partition. */
export function localTableGlob(lakeDir: string, table: LakeTableName): string {
  return `${lakeDir.replace(/\/+$/, '')}/${table}/**/*.parquet`;
}

/**
 * A DuckDB view over the table's Parquet files, with columns cast to the lake types so files written by
 * older writers (missing columns: union_by_name fills NULL) still line up. event_date is read from the
 * folder name as VARCHAR, like the Glue string partition key.
 */
export function duckdbTableOverParquetSql(lakeDir: string, table: LakeTableName): string {
  const cols = duckdbColumns(table)
    .map((c) => `CAST(${c.name} AS ${c.type}) AS ${c.name}`)
    .concat([`CAST(${PARTITION_KEY} AS VARCHAR) AS ${PARTITION_KEY}`])
    .join(',\n  ');
  return (
    `CREATE OR REPLACE VIEW ${table} AS\nSELECT\n  ${cols}\n` +
    `FROM read_parquet(${sqlPath(localTableGlob(lakeDir, table))}, hive_partitioning = true, union_by_name = true, ` +
    `hive_types = {'${PARTITION_KEY}': VARCHAR})`
  );
}

/** An empty table with the same columns: views bind on a fresh lake before any file exists. */
export function duckdbEmptyTableSql(table: LakeTableName): string {
  const cols = duckdbColumns(table)
    .map((c) => `${c.name} ${c.type}`)
    .concat([`${PARTITION_KEY} VARCHAR`])
    .join(', ');
  return `CREATE OR REPLACE TABLE ${table} (${cols})`;
}

function normalisePrefix(p: string): string {
  const trimmed = p.replace(/^\/+/, '').replace(/\/+$/, '');
  return trimmed === '' ? '' : `${trimmed}/`;
}
