/**
 * The Glue TableInput of `attribution_results` (saved attribution runs, written by
 * `threadline attribution --save`: locally as Parquet files, on AWS with Athena INSERT INTO).
 *
 * Columns, name, prefix and partition key come from the attribution contract
 * (analytics/attribution/results-table.ts). Storage (Parquet SerDe, input/output formats) and the
 * date partition projection come from the lake tables' own TableInput (sql/lake-layout.ts), re-keyed
 * from event_date to run_date: the results table is stored and projected exactly like the lake
 * tables by construction, and neither the SerDe nor the projection settings are written twice.
 *
 * Projection matters for INSERT INTO too: Athena writes the new files Hive-style under
 * <location>/run_date=YYYY-MM-DD/, which is exactly the storage.location.template below, so a saved
 * run is readable at once without MSCK REPAIR (Athena ignores catalog partitions when projection is on).
 */
import {
  ATTRIBUTION_RESULTS_TABLE,
  attributionResultsGlueColumns,
  type GlueTableOptions,
  glueTableInput,
  PARTITION_KEY,
} from '../sql/index.js';

/** The lake table whose TableInput serves as the template (any lake table would do: same format). */
const TEMPLATE_TABLE = 'events';

/** `s3://bucket/attribution_results/` */
export function attributionResultsLocation(lakeLocation: string): string {
  return `${lakeLocation.replace(/\/+$/, '')}/${ATTRIBUTION_RESULTS_TABLE.prefix}`;
}

/**
 * Partition projection parameters of the lake tables with the partition key renamed: every
 * `projection.event_date.*` key becomes `projection.<key>.*` and the location template points at
 * this table's prefix. Throws if the template mentions the old key anywhere else, so a new lake
 * projection setting can never leak event_date into another table unnoticed.
 */
export function rekeyedProjection(template: Record<string, string>, key: string, location: string): Record<string, string> {
  const from = `projection.${PARTITION_KEY}.`;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(template)) {
    if (k === 'storage.location.template') continue;
    out[k.startsWith(from) ? `projection.${key}.${k.slice(from.length)}` : k] = v;
  }
  out['storage.location.template'] = `${location}${key}=\${${key}}/`;
  const leaked = Object.entries(out).filter(([k, v]) => k.includes(PARTITION_KEY) || v.includes(PARTITION_KEY));
  if (leaked.length > 0) throw new Error(`projection parameters still name ${PARTITION_KEY}: ${leaked.map(([k]) => k).join(', ')}`);
  return out;
}

/** TableInput (CDK camelCase) for `glue.CfnTable`: pass it as `tableInput`. */
export function attributionResultsTableInput(opts: GlueTableOptions) {
  const t = ATTRIBUTION_RESULTS_TABLE;
  const [partition, ...more] = t.partitionKeys;
  if (!partition || more.length > 0) throw new Error(`${t.name}: expected exactly one partition key`);
  const template = glueTableInput(TEMPLATE_TABLE, opts);
  const location = attributionResultsLocation(opts.lakeLocation);
  return {
    ...template,
    name: t.name,
    description: `Threadline saved attribution runs (Parquet, partitioned by ${partition.name}; threadline attribution --save)`,
    parameters: rekeyedProjection(template.parameters, partition.name, location),
    partitionKeys: [{ name: partition.name, type: partition.type, comment: partition.doc }],
    storageDescriptor: { ...template.storageDescriptor, columns: attributionResultsGlueColumns(), location },
  };
}
