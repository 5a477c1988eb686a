/**
 * One accepted event-time range for the collector and the lake: the Glue partition projection starts at
 * the configured earliest date and ends NOW plus the collector's accepted future, so that every event
 * the collector accepts lands in a partition Athena enumerates. Plus the Firehose alarms that catch
 * records diverted to the error prefix (delivery failures, active-partition overflow).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { configFromEnv } from '../../lambdas/collector/config.js';
import { ConfigError, resolveConfig } from '../../lib/config.js';
import {
  DEFAULT_LIMITS,
  EARLIEST_EVENT_DATE,
  eventTimeRange,
  MAX_EVENT_FUTURE_MS,
  projectionDateRange,
  projectionFutureDays,
} from '../../schemas/index.js';
import { resourcesOfType, synth } from './helpers.js';

const DAY = 86_400_000;
const utcDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

describe('projection range (pure)', () => {
  it('hand-computed: defaults give 2024-01-01,NOW+1DAYS; the collector uses the same future bound', () => {
    expect(EARLIEST_EVENT_DATE).toBe('2024-01-01');
    expect(projectionDateRange()).toBe('2024-01-01,NOW+1DAYS');
    expect(DEFAULT_LIMITS.maxFutureMs).toBe(MAX_EVENT_FUTURE_MS);
    expect(projectionFutureDays(24 * 3_600_000)).toBe(1);
    expect(projectionFutureDays(25 * 3_600_000)).toBe(2);
    expect(projectionFutureDays(0)).toBe(0);
    expect(projectionDateRange('2022-06-01', 0)).toBe('2022-06-01,NOW');
    expect(() => projectionDateRange('2022-02-30')).toThrow(RangeError);
  });

  it('property: every accepted event time has a UTC date inside [start, today + future days]', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.parse('2024-01-01T00:00:00Z'), max: Date.parse('2030-12-31T23:59:59Z') }),
        fc.integer({ min: 0, max: 72 * 3_600_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (nowMs, maxFutureMs, at) => {
          const range = eventTimeRange(nowMs, { maxFutureMs });
          const eventMs = Math.floor(range.earliestMs + at * (range.latestMs - range.earliestMs));
          const [start, end] = projectionDateRange(EARLIEST_EVENT_DATE, maxFutureMs).split(',') as [string, string];
          const days = end === 'NOW' ? 0 : Number(/^NOW\+(\d+)DAYS$/.exec(end)![1]);
          const lastDate = utcDate(Date.parse(`${utcDate(nowMs)}T00:00:00Z`) + days * DAY);
          const date = utcDate(eventMs);
          return date >= start && date <= lastDate;
        },
      ),
    );
  });
});

describe('stack', () => {
  const dev = synth({}, { bundle: false });
  const tables = () => resourcesOfType(dev.json, 'AWS::Glue::Table').map(([, r]) => r.Properties!.TableInput);

  it('every lake table projects from the earliest accepted date to NOW+1DAYS', () => {
    const ranges = tables().map((t) => [t.Name, Object.entries(t.Parameters).find(([k]) => /^projection\.\w+\.range$/.test(k))?.[1]]);
    expect(ranges.length).toBeGreaterThanOrEqual(4);
    for (const [, range] of ranges) expect(range).toBe('2024-01-01,NOW+1DAYS');
  });

  it('eventTime.earliestDate moves the projection start', () => {
    const older = synth({ eventTime: { earliestDate: '2021-03-15' } }, { bundle: false });
    const events = resourcesOfType(older.json, 'AWS::Glue::Table')
      .map(([, r]) => r.Properties!.TableInput)
      .find((t) => t.Name === 'events');
    expect(events.Parameters['projection.event_date.range']).toBe('2021-03-15,NOW+1DAYS');
    // ...and the collector, reading its environment as in Lambda, refuses from the same day.
    const collectorEnv = resourcesOfType(older.json, 'AWS::Lambda::Function')
      .map(([, r]) => r.Properties!.Environment?.Variables ?? {})
      .find((v) => v.POWERTOOLS_SERVICE_NAME === 'threadline-collector')!;
    expect(configFromEnv(collectorEnv).limits?.earliestEventDate).toBe('2021-03-15');
  });

  it('refuses an impossible earliest date at synth time', () => {
    expect(() => resolveConfig({ eventTime: { earliestDate: '2024-13-01' } })).toThrow(ConfigError);
    expect(() => resolveConfig({ eventTime: { earliestDate: '01/01/2024' } })).toThrow(/eventTime\.earliestDate: must be a real date/);
  });

  it('alarms on Firehose S3 delivery failures, partition-count overflow and partition headroom, per delivery stream', () => {
    const alarms = resourcesOfType(dev.json, 'AWS::CloudWatch::Alarm').map(([, r]) => r.Properties!);
    const streams = resourcesOfType(dev.json, 'AWS::KinesisFirehose::DeliveryStream');
    expect(streams).toHaveLength(3);
    const forStream = (metric: string) =>
      alarms.filter((a) => a.Namespace === 'AWS/Firehose' && a.MetricName === metric).map((a) => a.Dimensions[0].Value.Ref);
    const ids = streams.map(([id]) => id).sort();
    expect(forStream('DeliveryToS3.Success').sort()).toEqual(ids);
    expect(forStream('PartitionCountExceeded').sort()).toEqual(ids);
    const success = alarms.find((a) => a.MetricName === 'DeliveryToS3.Success')!;
    expect(success).toMatchObject({ ComparisonOperator: 'LessThanThreshold', Threshold: 1, Statistic: 'Minimum' });
    const exceeded = alarms.find((a) => a.MetricName === 'PartitionCountExceeded')!;
    expect(exceeded).toMatchObject({ ComparisonOperator: 'GreaterThanThreshold', Threshold: 0, Statistic: 'Maximum' });
    const headroom = alarms.filter((a) => (a.Metrics ?? []).some((m: any) => m.MetricStat?.Metric?.MetricName === 'ActivePartitionsLimit'));
    expect(headroom).toHaveLength(3);
    for (const a of [...alarms.filter((x) => x.Namespace === 'AWS/Firehose'), ...headroom]) expect(a.AlarmActions).toHaveLength(1);
  });
});
