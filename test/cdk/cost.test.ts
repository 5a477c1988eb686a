/**
 * The cost model: line items recomputed by hand, invariants (monotone in volume, Firehose rounding),
 * the deployment facts read from a real synthesized template, and docs/cost.md kept in step with the
 * generator.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../lib/bundling.js';
import { deploymentFromTemplate, synthesizeTemplate } from '../../lib/cost/deployment.js';
import { loadDefaultFigures } from '../../lib/cost/figures.js';
import { DEFAULT_FIGURES, estimateMonthlyCost, withFigures, type DeploymentFacts, type PerEventFigures } from '../../lib/cost/model.js';
import { renderCostMarkdown } from '../../lib/cost/report.js';

process.env.CDK_VALIDATION = 'false';

const D: DeploymentFacts = {
  architecture: 'arm64',
  collectorMemoryMb: 512,
  processorMemoryMb: 1024,
  streamMode: 'provisioned',
  shardCount: 2,
  processorBatchSize: 500,
  processorBatchingWindowSeconds: 5,
  deliveryStreams: 3,
  bufferingSizeMb: 128,
  bufferingIntervalSeconds: 300,
  alarmMetrics: 10,
  dashboards: 1,
  secrets: 1,
  kmsKeys: 0,
};

// Round figures so that every line can be recomputed on paper.
const F: PerEventFigures = withFigures(DEFAULT_FIGURES, {
  eventsPerRequest: { value: 10 },
  envelopeBytes: { value: 1000 },
  lakeRecordBytes: { value: 1000 },
  parquetBytes: { value: 100 },
  firehoseRecordsPerEvent: { value: 1 },
  lakeRecordsPerFirehoseRecord: { value: 1 },
  collectorMsPerRequest: { value: 10 },
  collectorMsPerEvent: { value: 0 },
  processorMsPerInvocation: { value: 0 },
  processorMsPerEvent: { value: 1 },
  dynamoReadUnitsPerEvent: { value: 1 },
  dynamoWriteUnitsPerEvent: { value: 1 },
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

  it('DynamoDB: 100 M RRU x $0.125/M + 100 M WRU x $0.625/M', () => {
    expect(line(e, 'DynamoDB identity table')).toBeCloseTo(100 * 0.125 + 100 * 0.625, 6);
  });

  it('Firehose bills each 1,000-byte record as 5 KB for ingestion and conversion', () => {
    const billedGb = (100e6 * 5120) / 1024 ** 3;
    expect(line(e, 'Firehose ingestion')).toBeCloseTo(billedGb * 0.029, 6);
    expect(line(e, 'Firehose Parquet conversion')).toBeCloseTo(billedGb * 0.018, 6);
  });

  it('fixed lines: alarms + dashboard, secret', () => {
    expect(line(e, 'CloudWatch alarms + dashboard')).toBeCloseTo(10 * 0.1 + 3, 6);
    expect(line(e, 'Secrets Manager + KMS')).toBeCloseTo(0.4, 6);
  });

  it('per million = total / 100', () => expect(e.perMillionUsd).toBeCloseTo(e.totalUsd / 100, 9));
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

  it('property: packing k rows per Firehose record never costs more, and at <= 5 KB divides ingestion by k', () => {
    fc.assert(
      fc.property(fc.integer({ min: 100, max: 5000 }), fc.integer({ min: 1, max: 8 }), (bytes, k) => {
        const base = estimateMonthlyCost(D, withFigures(F, { lakeRecordBytes: { value: bytes } }), 100e6);
        const packed = estimateMonthlyCost(D, withFigures(F, { lakeRecordBytes: { value: bytes }, lakeRecordsPerFirehoseRecord: { value: k } }), 100e6);
        const a = line(base, 'Firehose ingestion');
        const b = line(packed, 'Firehose ingestion');
        if (b > a + 1e-9) return false;
        return bytes * k > 5120 || Math.abs(b - a / k) < 1e-9;
      }),
    );
  });

  it('unknown or negative figures are refused', () => {
    expect(() => withFigures(F, { nope: { value: 1 } } as never)).toThrow(/unknown cost figure "nope"/);
    expect(() => withFigures(F, { envelopeBytes: { value: -1 } })).toThrow(/non-negative/);
  });
});

describe('deployment facts from the synthesized template', () => {
  let dev: DeploymentFacts;
  let prod: DeploymentFacts;
  beforeAll(() => {
    dev = deploymentFromTemplate(synthesizeTemplate({}).template);
    prod = deploymentFromTemplate(
      synthesizeTemplate({ 'threadline.stage': 'prod', 'threadline.stream.mode': 'provisioned', 'threadline.stream.shardCount': '3', 'threadline.lakeEncryption': 'kms', 'threadline.processor.memoryMb': '2048' }).template,
    );
  }, 60_000);

  it('reads memory, architecture, stream mode, batching, buffering and monitoring from the template', () => {
    expect(dev).toMatchObject({
      architecture: 'arm64',
      collectorMemoryMb: 512,
      processorMemoryMb: 1024,
      streamMode: 'on-demand',
      processorBatchSize: 500,
      processorBatchingWindowSeconds: 5,
      deliveryStreams: 3,
      bufferingSizeMb: 128,
      bufferingIntervalSeconds: 300,
      dashboards: 1,
      secrets: 1,
      kmsKeys: 0,
    });
    // 4xx share alarm (2 metrics) + DynamoDB throttles (2) + 13 single-metric alarms.
    expect(dev.alarmMetrics).toBe(17);
    expect(prod).toMatchObject({ streamMode: 'provisioned', shardCount: 3, processorMemoryMb: 2048, kmsKeys: 1 });
  });

  it('docs/cost.md is what the generator produces for the default stack', () => {
    const md = renderCostMarkdown({ stage: 'dev', deployment: dev, figures: loadDefaultFigures(), generatedBy: 'npm run cost -- --write docs/cost.md' });
    expect(readFileSync(join(PROJECT_ROOT, 'docs', 'cost.md'), 'utf8')).toBe(md + '\n');
  });
});
