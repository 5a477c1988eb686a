/**
 * The cost model: line items recomputed by hand, invariants (monotone in volume, Firehose rounding),
 * the deployment facts read from a real synthesized template, and docs/cost.md kept in step with the
 * generator.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { deploymentFromTemplate, synthesizeTemplate } from '../../cost/deployment.js';
import { loadDefaultFigures } from '../../cost/figures.js';
import { COLLECTOR_METRICS, customMetricCount, PROCESSOR_FAILURE_METRIC_PREFIX, PROCESSOR_METRICS } from '../../cost/metrics.js';
import {
  DEFAULT_COST_MONTH,
  DEFAULT_FIGURES,
  type DeploymentFacts,
  estimateMonthlyCost,
  type PerEventFigures,
  provisionedShardsNeeded,
  storedMonths,
  withFigures,
} from '../../cost/model.js';
import { renderCostMarkdown, renderCostText, standardVariants, VOLUMES } from '../../cost/report.js';
import { PROJECT_ROOT } from '../../lambdas/bundling.js';
import { FAILURE_REASONS } from '../../schemas/failure-reasons.js';

process.env.CDK_VALIDATION = 'false';

const D: DeploymentFacts = {
  architecture: 'arm64',
  collectorMemoryMb: 512,
  processorMemoryMb: 1024,
  streamMode: 'provisioned',
  shardCount: 2,
  processorBatchSize: 500,
  processorParallelizationFactor: 4,
  processorBatchingWindowSeconds: 5,
  deliveryStreams: 3,
  bufferingSizeMb: 128,
  bufferingIntervalSeconds: 300,
  alarmMetrics: 10,
  dashboards: 1,
  secrets: 1,
  kmsKeys: 0,
  identityPitr: true,
  lakeRetentionDays: 0,
  customMetrics: 30,
};

// Round figures so that every line can be recomputed on paper.
const F: PerEventFigures = withFigures(DEFAULT_FIGURES, {
  eventsPerRequest: { value: 10 },
  envelopeBytes: { value: 1000 },
  lakeRecordBytes: { value: 1000 },
  parquetBytes: { value: 100 },
  lakeRowsPerEvent: { value: 1 },
  firehoseRecordsPerEvent: { value: 1 },
  collectorMsPerRequest: { value: 10 },
  collectorMsPerEvent: { value: 0 },
  processorMsPerInvocation: { value: 0 },
  processorMsPerEvent: { value: 1 },
  dynamoReadUnitsPerEvent: { value: 1 },
  dynamoWriteUnitsPerEvent: { value: 1 },
  identityItemsPerEvent: { value: 0.01 },
  identityItemBytes: { value: 1000 },
  dynamoWriteLatencyMs: { value: 0 },
  collectorLogBytesPerInvocation: { value: 0 },
  processorLogBytesPerInvocation: { value: 0 },
  accessLogBytesPerRequest: { value: 0 },
  jqMsPerRecord: { value: 0 },
  peakToAverage: { value: 1 },
});

const line = (e: ReturnType<typeof estimateMonthlyCost>, name: string) => {
  const l = e.lines.find((x) => x.component === name);
  if (!l) throw new Error(`no line ${name}`);
  return l.usd;
};

describe('cost model by hand (100 M events / month)', () => {
  const e = estimateMonthlyCost(D, F, 100e6);

  it('API Gateway: 10 M requests x $1.00/M', () => expect(line(e, 'API Gateway HTTP API')).toBeCloseTo(10, 6));

  it('collector: 10 M x 10 ms x 0.5 GB = 50,000 GB-s x $0.0000133334 + 10 M x $0.20/M', () => {
    expect(line(e, 'Lambda collector')).toBeCloseTo(50_000 * 0.0000133334 + 2, 6);
  });

  it('processor: 100 M x 1 ms x 1 GB = 100,000 GB-s; the 5 s window closes batches before 500', () => {
    // 100 M / 2,628,000 s / 2 shards = 19.03 records/s per shard -> 95.1 records per 5 s window.
    const perBatch = (100e6 / (730 * 3600) / 2) * 5;
    expect(perBatch).toBeCloseTo(95.13, 2);
    expect(line(e, 'Lambda processor')).toBeCloseTo(100_000 * 0.0000133334 + (100e6 / perBatch / 1e6) * 0.2, 6);
    // 10 B events on 10 shards: 380 records/s per shard fill a 500 batch within the window: 20 M invocations.
    const big = estimateMonthlyCost({ ...D, shardCount: 10 }, F, 10e9);
    expect(line(big, 'Lambda processor')).toBeCloseTo(10_000_000 * 0.0000133334 + 20 * 0.2, 4);
  });

  it('identity writes add their latency to the processor duration (sequential within a batch)', () => {
    const slow = estimateMonthlyCost(D, withFigures(F, { dynamoWriteLatencyMs: { value: 5 } }), 100e6);
    // 100 M events x 1 write x 5 ms = 500,000 s x 1 GB more.
    expect(line(slow, 'Lambda processor') - line(e, 'Lambda processor')).toBeCloseTo(500_000 * 0.0000133334, 6);
  });

  it('Kinesis provisioned: 2 shards x 730 h x $0.015 + 100 M PUT units x $0.014/M', () => {
    expect(line(e, 'Kinesis shards (provisioned)')).toBeCloseTo(2 * 730 * 0.015, 6);
    expect(line(e, 'Kinesis PUT payload units')).toBeCloseTo(100 * 0.014, 6);
  });

  it('DynamoDB requests: 100 M RRU x $0.125/M + 100 M WRU x $0.625/M', () => {
    expect(line(e, 'DynamoDB identity requests')).toBeCloseTo(100 * 0.125 + 100 * 0.625, 6);
  });

  it('the default is the bill of month 12: storage holds 11.5 months of data on average', () => {
    expect(DEFAULT_COST_MONTH).toBe(12);
    expect(e.month).toBe(12);
    expect(estimateMonthlyCost(D, F, 100e6, { month: 12 }).totalUsd).toBe(e.totalUsd);
  });

  it('S3 lake storage: 100 M x 100 B = 9.3132 GB a month; month 12 holds 11.5 months -> 107.1 GB-month x $0.023', () => {
    const monthlyGb = (100e6 * 100) / 1024 ** 3;
    expect(monthlyGb).toBeCloseTo(9.3132, 4);
    expect(line(e, 'S3 lake storage')).toBeCloseTo(11.5 * monthlyGb * 0.023, 9);
    expect(line(e, 'S3 lake storage')).toBeCloseTo(2.4633, 4);
  });

  it('DynamoDB storage: 100 M x 0.01 items x 1,000 B = 0.9313 GB a month; month 12: 10.71 GB-month x $0.25, PITR x $0.20', () => {
    const gbMonth = 11.5 * ((100e6 * 0.01 * 1000) / 1024 ** 3);
    expect(gbMonth).toBeCloseTo(10.7102, 4);
    expect(line(e, 'DynamoDB identity storage')).toBeCloseTo(gbMonth * 0.25, 9);
    expect(line(e, 'DynamoDB point-in-time recovery')).toBeCloseTo(gbMonth * 0.2, 9);
    const noPitr = estimateMonthlyCost({ ...D, identityPitr: false }, F, 100e6);
    expect(line(noPitr, 'DynamoDB point-in-time recovery')).toBe(0);
  });

  it('CloudWatch custom metrics: 30 metrics x $0.30, a fixed charge', () => {
    expect(line(e, 'CloudWatch custom metrics')).toBeCloseTo(9, 9);
    expect(e.lines.find((l) => l.component === 'CloudWatch custom metrics')!.fixed).toBe(true);
  });

  it('Firehose bills each 1,000-byte record as 5 KB for ingestion and conversion', () => {
    const billedGb = (100e6 * 5120) / 1024 ** 3;
    expect(line(e, 'Firehose ingestion')).toBeCloseTo(billedGb * 0.029, 6);
    expect(line(e, 'Firehose Parquet conversion')).toBeCloseTo(billedGb * 0.018, 6);
  });

  it('reads are billed per key asked for: a batch asking 40 keys (10 found) for 100 events is 20 RRU, 0.2 per event', () => {
    // BatchGetItem, eventually consistent, items under 4 KB: 40 keys x 0.5 RRU, whatever was found, no per-call charge.
    const perEvent = (40 * 0.5) / 100;
    const r = estimateMonthlyCost(
      D,
      withFigures(F, { dynamoReadUnitsPerEvent: { value: perEvent }, dynamoWriteUnitsPerEvent: { value: 0 } }),
      100e6,
    );
    expect(line(r, 'DynamoDB identity requests')).toBeCloseTo(20 * 0.125, 9);
  });

  it('fixed lines: alarms + dashboard, secret', () => {
    expect(line(e, 'CloudWatch alarms + dashboard')).toBeCloseTo(10 * 0.1 + 3, 6);
    expect(line(e, 'Secrets Manager + KMS')).toBeCloseTo(0.4, 6);
  });

  it('per million = total / 100', () => expect(e.perMillionUsd).toBeCloseTo(e.totalUsd / 100, 9));
});

describe('storage over the months', () => {
  it('month 1 holds half a month of data; a 90-day retention caps the lake at 90 / 30.42 = 2.96 months', () => {
    const monthlyGb = (100e6 * 100) / 1024 ** 3;
    expect(line(estimateMonthlyCost(D, F, 100e6, { month: 1 }), 'S3 lake storage')).toBeCloseTo(0.5 * monthlyGb * 0.023, 9);
    const kept = { ...D, lakeRetentionDays: 90 };
    expect(storedMonths(12, 90 / (730 / 24))).toBeCloseTo(2.9589, 4);
    expect(line(estimateMonthlyCost(kept, F, 100e6, { month: 12 }), 'S3 lake storage')).toBeCloseTo(2.9589 * monthlyGb * 0.023, 4);
    expect(line(estimateMonthlyCost(kept, F, 100e6, { month: 2 }), 'S3 lake storage')).toBeCloseTo(1.5 * monthlyGb * 0.023, 9);
    // The identity table has no expiry: retention of the lake does not touch it.
    expect(line(estimateMonthlyCost(kept, F, 100e6), 'DynamoDB identity storage')).toBe(
      line(estimateMonthlyCost(D, F, 100e6), 'DynamoDB identity storage'),
    );
  });

  it('property: storage never shrinks from one month to the next, and stops growing once retention is reached', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 0, max: 1000 }), (m, days) => {
        const d = { ...D, lakeRetentionDays: days };
        const a = estimateMonthlyCost(d, F, 100e6, { month: m });
        const b = estimateMonthlyCost(d, F, 100e6, { month: m + 1 });
        const s3 = (x: typeof a) => line(x, 'S3 lake storage');
        if (s3(b) < s3(a) - 1e-12 || line(b, 'DynamoDB identity storage') <= line(a, 'DynamoDB identity storage')) return false;
        const full = days > 0 && m - 0.5 >= days / (730 / 24);
        return !full || Math.abs(s3(b) - s3(a)) < 1e-12;
      }),
    );
  });

  it('refuses a month that is not a positive integer', () => {
    expect(() => estimateMonthlyCost(D, F, 100e6, { month: 0 })).toThrow(/month/);
  });
});

describe('client batching is an explicit input', () => {
  it('defaults to 1 event per request (browser SDKs), and the reports say so', () => {
    expect(DEFAULT_FIGURES.eventsPerRequest.value).toBe(1);
    expect(DEFAULT_FIGURES.eventsPerRequest.source).toMatch(/flushAt = 15/);
    expect(loadDefaultFigures().eventsPerRequest.value).toBe(1);
    const md = renderCostMarkdown({ stage: 'dev', deployment: D, figures: DEFAULT_FIGURES, generatedBy: 'test' });
    expect(md).toContain('**Client batching (an input, not a measurement): 1 event(s) per HTTP request**');
    expect(md).toMatch(/\| batched clients \(15 events\/request\) \|/);
    expect(renderCostText({ stage: 'dev', deployment: D, figures: DEFAULT_FIGURES })).toContain('Client batching: 1 event(s) per request');
  });

  it('1 vs 15 events per request: API Gateway 100 M vs 6.67 M requests at $1.00/M', () => {
    const one = estimateMonthlyCost(D, withFigures(F, { eventsPerRequest: { value: 1 } }), 100e6);
    const fifteen = estimateMonthlyCost(D, withFigures(F, { eventsPerRequest: { value: 15 } }), 100e6);
    expect(line(one, 'API Gateway HTTP API')).toBeCloseTo(100, 9);
    expect(line(fifteen, 'API Gateway HTTP API')).toBeCloseTo(100 / 15, 9);
  });
});

describe('custom metrics inventory', () => {
  const source = (p: string) => readFileSync(join(PROJECT_ROOT, p), 'utf8');
  const names = (text: string, re: RegExp) => new Set([...text.matchAll(re)].map((m) => m[1]!));

  it('lists exactly the metric names the handlers publish', () => {
    const processor = source('lambdas/processor/handler.ts');
    expect(names(processor, /addMetric\('(\w+)'/g)).toEqual(new Set(PROCESSOR_METRICS));
    expect(processor).toContain(`addMetric(\`${PROCESSOR_FAILURE_METRIC_PREFIX}\${reason}\``);
    const collector = ['lambdas/collector/handler.ts', 'lambdas/collector/core.ts'].map(source).join('\n');
    const published = new Set([...names(collector, /addMetric\('(\w+)'/g), ...names(collector, /metrics\?\.count\('(\w+)'/g)]);
    expect(published).toEqual(new Set(COLLECTOR_METRICS));
  });

  it('counts 7 processor + one per failure reason (an upper bound) + 5 collector metrics, one dimension set each', () => {
    expect(customMetricCount()).toBe(7 + Object.keys(FAILURE_REASONS).length + 5);
  });
});

describe('cost model rules', () => {
  it('API Gateway price drops to $0.90/M above 300 M requests', () => {
    const e = estimateMonthlyCost(D, withFigures(F, { eventsPerRequest: { value: 1 } }), 400e6);
    expect(line(e, 'API Gateway HTTP API')).toBeCloseTo(300 + 100 * 0.9, 6);
  });

  it('on-demand charges stream-hours and rounds each record up to 1 KB', () => {
    const e = estimateMonthlyCost({ ...D, streamMode: 'on-demand' }, withFigures(F, { envelopeBytes: { value: 1025 } }), 1024 ** 3 / 2048);
    // 524,288 records x 2 KB billed = 1 GB in; 524,288 x 1,025 B out.
    expect(line(e, 'Kinesis stream-hours (on-demand)')).toBeCloseTo(730 * 0.04, 6);
    expect(line(e, 'Kinesis data (on-demand)')).toBeCloseTo(1 * 0.08 + ((524_288 * 1025) / 1024 ** 3) * 0.04, 9);
  });

  it('warns when the provisioned shards cannot take the peak', () => {
    const e = estimateMonthlyCost({ ...D, shardCount: 1 }, withFigures(F, { peakToAverage: { value: 3 } }), 10e9);
    expect(e.warnings.join()).toMatch(/1 shard\(s\) configured, ~\d+ needed/);
  });

  it('property: cost never decreases with volume, and per-million never increases (fixed costs amortise)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2000 }), fc.integer({ min: 1, max: 2000 }), (a, b) => {
        const [lo, hi] = [Math.min(a, b) * 1e6, Math.max(a, b) * 1e6];
        const x = estimateMonthlyCost({ ...D, shardCount: 50 }, F, lo);
        const y = estimateMonthlyCost({ ...D, shardCount: 50 }, F, hi);
        return y.totalUsd >= x.totalUsd - 1e-9 && y.perMillionUsd <= x.perMillionUsd + 1e-9;
      }),
    );
  });

  it('packed records: billed per record (5 KB each), dynamic partitioning and JQ per row', () => {
    // 100 M events x 1.2 rows of 1,000 B = 120 GB-ish actual, packed 3 rows per record: 40 M records.
    const packed = withFigures(F, {
      lakeRowsPerEvent: { value: 1.2 },
      firehoseRecordsPerEvent: { value: 0.4 },
      jqMsPerRecord: { value: 0.036 },
    });
    const e = estimateMonthlyCost(D, packed, 100e6);
    const billedGb = (40e6 * 5120) / 1024 ** 3;
    expect(line(e, 'Firehose ingestion')).toBeCloseTo(billedGb * 0.029, 6);
    expect(line(e, 'Firehose Parquet conversion')).toBeCloseTo(billedGb * 0.018, 6);
    const actualGb = (120e6 * 1000) / 1024 ** 3;
    // Objects: 3 streams x 8,760 flushes (300 s) dominate 120e9 B / 128 MB; +10% midnight split.
    const objects = Math.max((actualGb * 1024) / 128, 3 * ((730 * 3600) / 300)) * 1.1;
    // JQ: 120 M rows x 0.036 ms = 1.2 hours (per row: it runs after de-aggregation).
    expect(line(e, 'Firehose dynamic partitioning')).toBeCloseTo(actualGb * 0.02 + (objects / 1000) * 0.005 + 1.2 * 0.07, 6);
    expect(e.warnings).toEqual([]);
  });

  it('a packed record over 5 KB is billed in several 5 KB units; more records than rows is flagged', () => {
    // 2 rows of 3,000 B per record = 6,000 B: 2 units of 5 KB per record.
    const e = estimateMonthlyCost(
      D,
      withFigures(F, { lakeRecordBytes: { value: 3000 }, lakeRowsPerEvent: { value: 1 }, firehoseRecordsPerEvent: { value: 0.5 } }),
      100e6,
    );
    expect(line(e, 'Firehose ingestion')).toBeCloseTo(((50e6 * 2 * 5120) / 1024 ** 3) * 0.029, 6);
    const bad = estimateMonthlyCost(D, withFigures(F, { lakeRowsPerEvent: { value: 1 }, firehoseRecordsPerEvent: { value: 1.5 } }), 100e6);
    expect(bad.warnings.join()).toMatch(/1.5 Firehose records per event but only 1 lake rows/);
  });

  it('property: packing k rows per record never costs more, and while k rows fit in 5 KB divides ingestion by k', () => {
    fc.assert(
      fc.property(fc.integer({ min: 100, max: 5000 }), fc.integer({ min: 1, max: 8 }), (bytes, k) => {
        const base = estimateMonthlyCost(D, withFigures(F, { lakeRecordBytes: { value: bytes } }), 100e6);
        const packed = estimateMonthlyCost(
          D,
          withFigures(F, { lakeRecordBytes: { value: bytes }, firehoseRecordsPerEvent: { value: 1 / k } }),
          100e6,
        );
        const a = line(base, 'Firehose ingestion');
        const b = line(packed, 'Firehose ingestion');
        if (b > a + 1e-9) return false;
        // Packing changes what Firehose bills per record, never the data it partitions.
        if (Math.abs(line(packed, 'Firehose dynamic partitioning') - line(base, 'Firehose dynamic partitioning')) > 1e-9) return false;
        return bytes * k > 5120 || Math.abs(b - a / k) < 1e-9;
      }),
    );
  });

  it('unknown or negative figures are refused', () => {
    expect(() => withFigures(F, { nope: { value: 1 } } as never)).toThrow(/unknown cost figure "nope"/);
    expect(() => withFigures(F, { envelopeBytes: { value: -1 } })).toThrow(/non-negative/);
  });
});

describe('variants', () => {
  const f = loadDefaultFigures();
  const d: DeploymentFacts = { ...D, streamMode: 'on-demand', shardCount: undefined };
  const byName = () => new Map(standardVariants(d, f).map((v) => [v.name, v]));
  const perMillion = (v: { deployment: DeploymentFacts; figures: PerEventFigures }, n: number) =>
    estimateMonthlyCost(v.deployment, v.figures, n).perMillionUsd;

  it('no variant packs more rows into a record than 5 KB allows (records/event >= rows x row bytes / 5 KB)', () => {
    // The stored measurement already includes the processor's packing: a variant that divides it
    // again would claim records Firehose could never receive.
    for (const v of standardVariants(d, f)) {
      const floor = (v.figures.lakeRowsPerEvent.value * v.figures.lakeRecordBytes.value) / 5120;
      expect({ variant: v.name, ok: v.figures.firehoseRecordsPerEvent.value >= floor }).toEqual({ variant: v.name, ok: true });
    }
  });

  it('"unpacked" is the configured stack with one record per row, and costs exactly the extra Firehose records', () => {
    const v = byName();
    const unpacked = v.get('unpacked (THREADLINE_FIREHOSE_PACK_BYTES=0)')!;
    expect(unpacked.figures.firehoseRecordsPerEvent.value).toBe(f.lakeRowsPerEvent.value);
    expect(unpacked.deployment).toEqual(d);
    const n = 100e6;
    const base = estimateMonthlyCost(d, f, n);
    const off = estimateMonthlyCost(d, unpacked.figures, n);
    // Rows of 1,457 B: each unpacked record is one 5 KB unit; packed records are one unit each too.
    const extraGb = ((f.lakeRowsPerEvent.value - f.firehoseRecordsPerEvent.value) * n * 5120) / 1024 ** 3;
    expect(off.totalUsd - base.totalUsd).toBeCloseTo(extraGb * (0.029 + 0.018), 6);
  });

  it('"optimised" keeps the configured packing and is the cheapest variant at every volume', () => {
    const v = byName();
    const opt = v.get('optimised')!;
    expect(opt.figures.firehoseRecordsPerEvent).toEqual(f.firehoseRecordsPerEvent);
    expect(opt.figures.lakeRowsPerEvent).toEqual(f.lakeRowsPerEvent);
    expect(opt.deployment.streamMode).toBe('provisioned');
    const md = renderCostMarkdown({ stage: 'dev', deployment: d, figures: f, generatedBy: 'test' });
    const row = (name: string) => md.split('\n').find((l) => l.startsWith(`| ${name} |`))!;
    const money = (r: string) =>
      r
        .split('|')
        .slice(2, 2 + VOLUMES.length)
        .map((c) => Number(c.trim().replace('$', '')));
    const optimised = money(row('optimised'));
    for (const other of [...v.keys()].filter((k) => k !== 'optimised')) {
      money(row(other)).forEach((usd, i) => expect(optimised[i]!).toBeLessThanOrEqual(usd));
    }
    // Sanity of the table parsing: the as-configured row is the model's own figure.
    expect(money(row('as configured'))[2]).toBeCloseTo(perMillion({ deployment: d, figures: f }, 1e9), 2);
  });
});

describe('deployment facts from the synthesized template', () => {
  let dev: DeploymentFacts;
  let prod: DeploymentFacts;
  beforeAll(() => {
    dev = deploymentFromTemplate(synthesizeTemplate({}).template);
    prod = deploymentFromTemplate(
      synthesizeTemplate({
        'threadline.stage': 'prod',
        'threadline.stream.mode': 'provisioned',
        'threadline.stream.shardCount': '3',
        'threadline.lakeEncryption': 'kms',
        'threadline.processor.memoryMb': '2048',
      }).template,
    );
  });

  it('reads memory, architecture, stream mode, batching, buffering and monitoring from the template', () => {
    expect(dev).toMatchObject({
      architecture: 'arm64',
      collectorMemoryMb: 512,
      processorMemoryMb: 1024,
      streamMode: 'on-demand',
      processorBatchSize: 500,
      processorParallelizationFactor: 4,
      processorBatchingWindowSeconds: 5,
      deliveryStreams: 3,
      bufferingSizeMb: 128,
      bufferingIntervalSeconds: 300,
      dashboards: 1,
      secrets: 1,
      kmsKeys: 0,
    });
    // Every alarm of lib/observability.ts as synthesized today; a metric-math alarm bills each metric it reads.
    // (+1: the models refresh's errors alarm, lib/models-refresh.ts)
    expect(dev.alarmMetrics).toBe(30);
    expect(prod).toMatchObject({ streamMode: 'provisioned', shardCount: 3, processorMemoryMb: 2048, kmsKeys: 1 });
    expect(dev).toMatchObject({ identityPitr: true, lakeRetentionDays: 0, customMetrics: customMetricCount() });
  });

  it('reads the lake retention from the lifecycle rules', () => {
    const kept = deploymentFromTemplate(synthesizeTemplate({ 'threadline.retention.lakeDays': '400' }).template);
    expect(kept.lakeRetentionDays).toBe(400);
  });

  it('docs/cost.md is what the generator produces for the default stack', () => {
    const md = renderCostMarkdown({
      stage: 'dev',
      deployment: dev,
      figures: loadDefaultFigures(),
      generatedBy: 'npm run cost -- --write docs/cost.md',
    });
    expect(readFileSync(join(PROJECT_ROOT, 'docs', 'cost.md'), 'utf8')).toBe(`${md}\n`);
  });
});

describe('provisioned shards are sized for the processor as well as for producers', () => {
  // 1 B events a month = 1e9 / (730 h x 3600 s) = 380.5 events/s on average; peak x3 = 1,141.6 events/s.
  const f = withFigures(DEFAULT_FIGURES, {
    peakToAverage: { value: 3, basis: 'assumption', source: 'test' },
    envelopeBytes: { value: 500, basis: 'assumption', source: 'test' },
  });

  it('one lane per shard drains 325 events/s: 1,141.6 / 325 -> 4 shards', () => {
    expect(provisionedShardsNeeded(1e9, f, 1)).toBe(4);
  });

  it('four lanes reach the 1,000 records/s write limit first: 1,141.6 / 1,000 -> 2 shards', () => {
    expect(provisionedShardsNeeded(1e9, f, 4)).toBe(2);
  });

  it('large envelopes are bound by 1 MB/s per shard: 1,141.6 x 2,000 B = 2.28 MB/s -> 3 shards', () => {
    const big = withFigures(f, { envelopeBytes: { value: 2000, basis: 'assumption', source: 'test' } });
    expect(provisionedShardsNeeded(1e9, big, 4)).toBe(3);
  });

  it('warns when the configured shards cannot be drained by the processor', () => {
    const one = estimateMonthlyCost({ ...D, shardCount: 2, processorParallelizationFactor: 1 }, f, 1e9);
    expect(one.warnings.join(' ')).toMatch(/2 shard\(s\) configured, ~4 needed/);
    const four = estimateMonthlyCost({ ...D, shardCount: 2, processorParallelizationFactor: 4 }, f, 1e9);
    expect(four.warnings.join(' ')).not.toMatch(/shard\(s\) configured/);
  });
});
