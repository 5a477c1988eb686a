/**
 * Processor throughput per shard: how many events/s ONE batch-at-a-time consumer (what Lambda runs per
 * shard with ParallelizationFactor 1) gets through, on the demo's omnichannel events in stream order,
 * with the real processor code over dynalite and the local Firehose endpoint.
 *
 * The processor resolves identities in record order and waits for each DynamoDB call, so a shard's rate
 * is bounded by (sequential DynamoDB calls per event) x (latency per call). Offline the stand-in answers
 * in well under a millisecond, in a region a call takes a few: the run adds a fixed delay to every
 * DynamoDB request (BENCH_DYNAMO_DELAY_MS, default 5) and reports the measured rate next to the bound
 * computed from the counted calls (the counts do not depend on the machine; the measured rate does,
 * and falls below the bound on a busy one). Firehose calls get no delay (one per batch).
 *
 *   npm run bench -- processor-shard     (BENCH_SHARD_CUSTOMERS=300, BENCH_DYNAMO_DELAY_MS=5)
 */
import { setTimeout as delay } from 'node:timers/promises';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { KinesisStreamRecord } from 'aws-lambda';
import { generateDataset, SOURCE_NAMES } from '../demo/index.js';
import { createDynamoDbClient, createFirehoseClient, createProcessor, localConfig, partitionKeyOf, stampEvent } from '../lambdas/index.js';
import { startLocalDynamo, startLocalFirehose } from '../local/index.js';
import type { BenchReport } from './index.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** Adds a fixed wait before each request: a stand-in for the network and service time of a region. */
class DelayedHandler extends NodeHttpHandler {
  constructor(private readonly ms: number) {
    super();
  }
  override async handle(...args: Parameters<NodeHttpHandler['handle']>) {
    if (this.ms > 0) await delay(this.ms);
    return super.handle(...args);
  }
}

/** The demo's events in stream order as Kinesis records, as the collector would have put them (also bench/processor-throughput.ts). */
export function records(customers: number): KinesisStreamRecord[] {
  const ds = generateDataset({ customers, seed: 42, now: '2026-11-29T00:00:00Z' });
  // The generator adds delivery noise (e.g. unparseable timestamps): such events take the clock the
  // collector would stamp, here the end of the simulated period.
  const timeOf = (e: { timestamp: string }) => {
    const t = Date.parse(String(e.timestamp));
    return Number.isFinite(t) ? t : Date.parse('2026-11-29T00:00:00Z');
  };
  const all = SOURCE_NAMES.flatMap((s) => ds.sources[s].map((e) => ({ s, e, t: timeOf(e) })));
  all.sort((a, b) => a.t - b.t);
  return all.map(({ s, e, t }, i) => {
    const env = stampEvent(
      e as never,
      {
        newId: () => `bench-${i}`,
        eventTimeMs: t,
        receivedAt: new Date(t + 1000).toISOString(),
        source: { id: `src_${s}`, name: s },
        clientIp: '203.0.113.9',
      } as never,
    );
    const seq = String(i + 1).padStart(20, '0');
    return {
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: partitionKeyOf(env.event as never),
        sequenceNumber: seq,
        data: Buffer.from(JSON.stringify(env)).toString('base64'),
        approximateArrivalTimestamp: 1764374400,
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `shardId-000000000000:${seq}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: 'arn:aws:iam::000000000000:role/bench',
      awsRegion: 'us-east-1',
      eventSourceARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/bench',
    } satisfies KinesisStreamRecord;
  });
}

async function runOnce(recs: KinesisStreamRecord[], delayMs: number, batchSize: number) {
  const dynamo = await startLocalDynamo();
  const firehose = await startLocalFirehose({ sink: { write: async () => {}, flush: async () => {}, close: async () => {} } });
  try {
    const config = localConfig({ identityTable: 'bench-identity' });
    await dynamo.ensureTable(config.identityTable);
    const processor = createProcessor({
      dynamo: createDynamoDbClient({ endpoint: dynamo.endpoint, requestHandler: new DelayedHandler(delayMs) }),
      firehose: createFirehoseClient({ endpoint: firehose.endpoint }),
      config,
    });
    const start = performance.now();
    for (let i = 0; i < recs.length; i += batchSize) {
      const res = await processor.handle({ Records: recs.slice(i, i + batchSize) });
      if (res.batchItemFailures.length > 0) throw new Error('bench batch reported failures');
    }
    const ms = performance.now() - start;
    const s = processor.identity.stats;
    const events = processor.stats.events;
    return {
      events,
      eventsPerSecond: Math.round((events / ms) * 1000),
      writesPerEvent: Number((s.updateCalls / events).toFixed(3)),
      sequentialCallsPerEvent: Number(((s.updateCalls + s.batchGetCalls + s.getCalls) / events).toFixed(3)),
    };
  } finally {
    await firehose.close();
    await dynamo.close();
  }
}

export async function run(): Promise<BenchReport> {
  const customers = Number(process.env.BENCH_SHARD_CUSTOMERS ?? 300);
  const delayMs = Number(process.env.BENCH_DYNAMO_DELAY_MS ?? 5);
  const batchSize = 500;
  const r = await runOnce(records(customers), delayMs, batchSize);
  // The processor waits for each DynamoDB call in turn, so per shard: events/s <= 1000 / (calls x ms).
  const model = (ms: number) => Math.round(1000 / (r.sequentialCallsPerEvent * ms));
  return {
    name: 'processor per shard (one batch at a time, as Lambda runs a shard with ParallelizationFactor 1)',
    figures: {
      events: r.events,
      batchSize,
      'DynamoDB writes per event': r.writesPerEvent,
      'sequential DynamoDB calls per event (writes + reads)': r.sequentialCallsPerEvent,
      [`measured events/s, ${delayMs} ms added per DynamoDB call`]: r.eventsPerSecond,
      'model events/s at 3 ms per call': model(3),
      'model events/s at 5 ms per call': model(5),
      'model events/s at 10 ms per call': model(10),
      'ParallelizationFactor for a full shard (1,000 records/s) at 5 ms': Math.ceil(1000 / model(5)),
    },
  };
}
