/** The lake layout helpers the CDK stack and the local pipeline share. */
import { describe, expect, it } from 'vitest';
import { glueColumns, PARTITION_COLUMN } from '../../schemas/lake.js';
import {
  firehosePrefixes,
  glueTableInput,
  LAKE_TABLE_NAMES,
  localTableGlob,
  partFileName,
  partitionPrefix,
  partitionProjectionParameters,
} from '../../sql/lake-layout.js';

describe('lake layout', () => {
  it('names tables, partitions and files the same way everywhere', () => {
    expect(LAKE_TABLE_NAMES).toEqual(['events', 'identity_changes', 'failed_events']);
    expect(partitionPrefix('events', '2024-05-01')).toBe('events/event_date=2024-05-01/');
    expect(() => partitionPrefix('events', '2024-5-1')).toThrow();
    expect(partFileName(new Date('2024-05-01T10:15:00.123Z'), 'u-1')).toBe('part-20240501T101500123-u-1.parquet');
    expect(localTableGlob('/lake/', 'failed_events')).toBe('/lake/failed_events/**/*.parquet');
  });

  it('Glue partition projection: date type, yyyy-MM-dd, start..NOW, one day, location template', () => {
    expect(partitionProjectionParameters('events', { lakeLocation: 's3://bucket/lake/', projectionStart: '2025-01-01' })).toEqual({
      'projection.enabled': 'true',
      'projection.event_date.type': 'date',
      'projection.event_date.format': 'yyyy-MM-dd',
      'projection.event_date.range': '2025-01-01,NOW+1DAYS',
      'projection.event_date.interval': '1',
      'projection.event_date.interval.unit': 'DAYS',
      'storage.location.template': 's3://bucket/lake/events/event_date=${event_date}/',
    });
    expect(() => partitionProjectionParameters('events', { lakeLocation: 's3://b', projectionStart: 'yesterday' })).toThrow();
  });

  it('Glue TableInput (CfnTable shape): columns from schemas/lake.ts, string partition key, Parquet SerDe', () => {
    for (const table of LAKE_TABLE_NAMES) {
      const input = glueTableInput(table, { lakeLocation: 's3://bucket' });
      expect(input.name).toBe(table);
      expect(input.tableType).toBe('EXTERNAL_TABLE');
      expect(input.storageDescriptor.columns).toEqual(glueColumns(table));
      expect(input.storageDescriptor.location).toBe(`s3://bucket/${table}/`);
      expect(input.partitionKeys).toEqual([{ name: 'event_date', type: 'string', comment: PARTITION_COLUMN.doc }]);
      expect(input.storageDescriptor.serdeInfo.serializationLibrary).toBe('org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe');
      expect(input.parameters['projection.enabled']).toBe('true');
      expect(input.parameters['storage.location.template']).toBe(`s3://bucket/${table}/event_date=\${event_date}/`);
      // the partition column is never also a data column
      expect(input.storageDescriptor.columns.map((c) => c.name)).not.toContain('event_date');
    }
  });

  it('Firehose prefixes partition by the record event_date and send errors to processing-failed/', () => {
    expect(firehosePrefixes('identity_changes', '/lake/')).toEqual({
      prefix: 'lake/identity_changes/event_date=!{partitionKeyFromQuery:event_date}/',
      errorOutputPrefix: 'lake/processing-failed/identity_changes/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/',
      partitionKeyQuery: '{event_date: .event_date}',
    });
    expect(firehosePrefixes('events').prefix).toBe('events/event_date=!{partitionKeyFromQuery:event_date}/');
  });
});
