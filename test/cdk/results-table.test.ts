/**
 * The attribution_results TableInput is derived from the lake tables' own (sql/lake-layout.ts):
 * the derivation must rename every trace of event_date and keep storage and projection identical.
 */
import { describe, expect, it } from 'vitest';
import { attributionResultsTableInput, rekeyedProjection } from '../../lib/attribution-results-glue-table.js';
import { ATTRIBUTION_RESULTS_COLUMNS } from '../../sql/attribution-results-table.js';
import { glueTableInput } from '../../sql/lake-layout.js';

describe('attribution_results TableInput', () => {
  const opts = { lakeLocation: 's3://lake-bucket/', projectionStart: '2025-03-01' };
  const input = attributionResultsTableInput(opts);
  const lake = glueTableInput('events', opts);

  it('projects run_date exactly as the lake tables project event_date, under its own prefix', () => {
    expect(input.parameters).toEqual({
      classification: 'parquet',
      EXTERNAL: 'TRUE',
      'parquet.compression': 'SNAPPY',
      'projection.enabled': 'true',
      'projection.run_date.type': 'date',
      'projection.run_date.format': 'yyyy-MM-dd',
      'projection.run_date.range': '2025-03-01,NOW+1DAYS',
      'projection.run_date.interval': '1',
      'projection.run_date.interval.unit': 'DAYS',
      'storage.location.template': 's3://lake-bucket/attribution_results/run_date=${run_date}/',
    });
    // Same number of projection settings as the lake table: nothing dropped in the renaming.
    expect(Object.keys(input.parameters)).toHaveLength(Object.keys(lake.parameters).length);
    expect(JSON.stringify(input)).not.toContain('event_date');
  });

  it('stores like the lake tables, with the contract columns at <lake>/attribution_results/', () => {
    expect(input.name).toBe('attribution_results');
    expect(input.storageDescriptor.location).toBe('s3://lake-bucket/attribution_results/');
    expect(input.storageDescriptor.columns.map((c) => c.name)).toEqual(ATTRIBUTION_RESULTS_COLUMNS.map((c) => c.name));
    const { columns: _a, location: _b, ...storage } = input.storageDescriptor;
    const { columns: _c, location: _d, ...lakeStorage } = lake.storageDescriptor;
    expect(storage).toEqual(lakeStorage);
    expect(input.partitionKeys).toEqual([{ name: 'run_date', type: 'string', comment: expect.stringContaining('YYYY-MM-DD') }]);
  });

  it('refuses a template that would still name event_date after renaming', () => {
    expect(() =>
      rekeyedProjection({ 'projection.enabled': 'true', 'projection.event_date.type': 'date' }, 'run_date', 's3://b/t/'),
    ).not.toThrow();
    expect(() =>
      rekeyedProjection({ 'projection.event_date.type': 'date', 'some.event_date.setting': 'x' }, 'run_date', 's3://b/t/'),
    ).toThrow(/still name event_date: some.event_date.setting/);
  });
});
