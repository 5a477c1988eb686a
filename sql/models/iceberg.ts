/**
 * The journey models as Apache Iceberg tables in the Glue catalog (Athena engine v3): the DDL the views
 * deployer runs before the views that read them, and the per-model DELETE/INSERT the AWS refresh runs.
 * Pure string rendering from the model columns, so the CDK app (synth time) and the refresh Lambda
 * (run time) cannot disagree about a table's shape.
 *
 * Athena's CREATE TABLE for Iceberg is Hive-style DDL: lower-case Hive type names (string, bigint,
 * array<string>), backquoted identifiers, an identity partition named without its type, and no
 * EXTERNAL keyword (Athena refuses it for table_type ICEBERG).
 */
import type { ViewColumn, ViewColumnType } from '../view.js';

const ICEBERG_TYPES: Record<ViewColumnType, string> = {
  VARCHAR: 'string',
  BIGINT: 'bigint',
  INTEGER: 'int',
  DOUBLE: 'double',
  BOOLEAN: 'boolean',
  TIMESTAMP: 'timestamp',
  'ARRAY(VARCHAR)': 'array<string>',
};

export function icebergColumnType(type: ViewColumnType): string {
  const t = ICEBERG_TYPES[type];
  if (!t) throw new RangeError(`no Iceberg type for ${type}`);
  return t;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

function identifier(name: string): string {
  // Names end up inside DDL: only plain Glue identifiers.
  if (!IDENTIFIER.test(name)) throw new RangeError(`not a plain identifier: ${name}`);
  return name;
}

export interface IcebergModelTable {
  readonly name: string;
  readonly columns: readonly ViewColumn[];
}

/** Where a model's Iceberg table lives inside the lake bucket (data/ and metadata/ below it). */
export const MODELS_PREFIX = 'models/';

export function icebergModelLocation(bucketName: string, model: string): string {
  return `s3://${bucketName}/${MODELS_PREFIX}${identifier(model)}/`;
}

/**
 * CREATE TABLE IF NOT EXISTS for one model: every column in Athena's Iceberg types, identity-partitioned
 * on event_date (the model's last column, a YYYY-MM-DD string), Parquet with zstd.
 */
export function icebergCreateTableSql(model: IcebergModelTable, location: string): string {
  if (model.columns.at(-1)?.name !== 'event_date') throw new Error(`model ${model.name}: event_date must be the last column`);
  // The bucket may be a CDK token at synth time: check the shape, not the bucket name's spelling.
  if (!/^s3:\/\/[^'\s]+\/$/.test(location)) throw new RangeError(`location must be an s3:// folder URI ending in /: ${location}`);
  const cols = model.columns.map((c) => `  \`${identifier(c.name)}\` ${icebergColumnType(c.type)}`).join(',\n');
  return `CREATE TABLE IF NOT EXISTS \`${identifier(model.name)}\` (
${cols}
)
PARTITIONED BY (\`event_date\`)
LOCATION '${location}'
TBLPROPERTIES ('table_type'='ICEBERG', 'format'='parquet', 'write_compression'='zstd', 'vacuum_max_snapshot_age_seconds'='${VACUUM_MAX_SNAPSHOT_AGE_SECONDS}')`;
}

/**
 * Snapshots older than this are expired by VACUUM. Every refresh rewrites the recent partitions, so
 * Athena's default (5 days) would keep ~120 hourly copies of them; one day keeps time travel for a
 * day and storage near one copy.
 */
export const VACUUM_MAX_SNAPSHOT_AGE_SECONDS = 86_400;

/** VACUUM: expire old snapshots and remove the files only they referenced (Athena engine v3). */
export function icebergVacuumSql(name: string): string {
  return `VACUUM ${identifier(name)}`;
}

/** DROP TABLE for the deployer's Delete (Athena drops an Iceberg table's data with it). */
export function icebergDropTableSql(name: string): string {
  return `DROP TABLE IF EXISTS \`${identifier(name)}\``;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function date(d: string): string {
  if (!DATE.test(d)) throw new RangeError(`partition date must be YYYY-MM-DD, got ${d}`);
  return d;
}

/** DELETE of every partition >= from (all of them when from is undefined). */
export function icebergDeleteFromSql(name: string, from: string | undefined): string {
  return from === undefined ? `DELETE FROM ${identifier(name)}` : `DELETE FROM ${identifier(name)} WHERE event_date >= '${date(from)}'`;
}

/**
 * INSERT of the rows of `select` whose partition is in [lo, hi) (hi undefined: no upper bound). The
 * wrapper keeps each statement under Athena's limit on partitions written by one INSERT; columns are
 * named on both sides so that the table's column order, not the SELECT's, decides where values go.
 */
export function icebergInsertSql(model: IcebergModelTable, select: string, lo: string, hi: string | undefined): string {
  const cols = model.columns.map((c) => identifier(c.name)).join(', ');
  const upper = hi === undefined ? '' : ` AND event_date < '${date(hi)}'`;
  return `INSERT INTO ${identifier(model.name)} (${cols})
SELECT ${cols} FROM (
${select}
) AS refreshed
WHERE event_date >= '${date(lo)}'${upper}`;
}
