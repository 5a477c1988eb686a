/**
 * The local Kinesis event source (local/kinesis-poller.ts) on kinesalite: batching, checkpoints,
 * partial batch responses, bisect on error, on-failure, and the real processor behind it.
 */

import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localConfig } from '../../lambdas/processor/config.js';
import { createProcessor } from '../../lambdas/processor/handler.js';
import { type LocalDynamo, startLocalDynamo } from '../../local/dynamodb.js';
import { type LocalFirehose, startLocalFirehose } from '../../local/firehose-server.js';
import { type LocalKinesis, startLocalKinesis } from '../../local/kinesis.js';
import { createKinesisPoller, type FailureInfo } from '../../local/kinesis-poller.js';
import { envelope, MemorySink, STREAMS } from './helpers.js';

let kinesis: LocalKinesis;
let dynamo: LocalDynamo;
let fh: LocalFirehose;
const sink = new MemorySink();
let streamN = 0;

beforeAll(async () => {
  [kinesis, dynamo] = await Promise.all([startLocalKinesis(), startLocalDynamo()]);
  fh = await startLocalFirehose({ sink, streams: Object.values(STREAMS) });
});
afterAll(async () => {
  await fh.close();
  await Promise.all([kinesis.close(), dynamo.close()]);
});

async function stream(shards = 1): Promise<string> {
  const name = `poller-${++streamN}`;
  await kinesis.ensureStream(name, shards);
  return name;
}

async function put(name: string, payloads: Array<{ data: string; key: string }>): Promise<void> {
  for (let i = 0; i < payloads.length; i += 500) {
    const out = await kinesis.client.send(
      new PutRecordsCommand({
        StreamName: name,
        Records: payloads.slice(i, i + 500).map((p) => ({ Data: Buffer.from(p.data), PartitionKey: p.key })),
      }),
    );
    expect(out.FailedRecordCount ?? 0).toBe(0);
  }
}

const decode = (e: KinesisStreamEvent) => e.Records.map((r) => Buffer.from(r.kinesis.data, 'base64').toString());

describe('local Kinesis poller', () => {
  it('runs the real processor over every shard, checkpoints, and resumes after a restart without reprocessing', async () => {
    const name = await stream(2);
    const table = 'identity_poller';
    await dynamo.ensureTable(table);
    const p = createProcessor({
      dynamo: dynamo.client,
      firehose: fh.client,
      config: localConfig({ streams: STREAMS, identityTable: table, hashKey: 'k' }),
    });
    const dir = mkdtempSync(join(tmpdir(), 'poller-'));
    const checkpointFile = join(dir, 'checkpoints.json');
    const mk = (i: number) => ({
      data: JSON.stringify(envelope({ type: 'track', event: 'T', messageId: `k${i}`, anonymousId: `anon-${i % 37}` })),
      key: `anon-${i % 37}`,
    });
    await put(
      name,
      Array.from({ length: 250 }, (_, i) => mk(i)),
    );
    const seen: KinesisStreamEvent[] = [];
    const handler = async (e: KinesisStreamEvent) => {
      seen.push(e);
      return p.handle(e);
    };
    const poller = createKinesisPoller({
      client: kinesis.client,
      streamName: name,
      handler,
      batchSize: 40,
      checkpointFile,
      pollIntervalMs: 20,
    });
    await poller.start();
    await poller.drain();
    await poller.stop();
    const rows = sink.rows<{ message_id: string }>(STREAMS.events).filter((r) => r.message_id.startsWith('k'));
    expect(rows).toHaveLength(250);
    expect(Math.max(...seen.map((e) => e.Records.length))).toBeLessThanOrEqual(40);
    // Real-shaped records.
    const r0 = seen[0]!.Records[0]!;
    expect(r0.eventSource).toBe('aws:kinesis');
    expect(r0.eventSourceARN).toMatch(/^arn:aws:kinesis:/);
    expect(typeof r0.kinesis.approximateArrivalTimestamp).toBe('number');
    expect(Object.keys(JSON.parse(readFileSync(checkpointFile, 'utf8')))).toHaveLength(2);

    await put(
      name,
      Array.from({ length: 10 }, (_, i) => mk(1000 + i)),
    );
    const again = createKinesisPoller({
      client: kinesis.client,
      streamName: name,
      handler,
      batchSize: 40,
      checkpointFile,
      pollIntervalMs: 20,
    });
    await again.start();
    await again.drain();
    await again.stop();
    const after = sink.rows<{ message_id: string }>(STREAMS.events).filter((r) => r.message_id.startsWith('k'));
    expect(after).toHaveLength(260);
    expect(new Set(after.map((r) => r.message_id)).size).toBe(260);
  });

  it('partial batch response: checkpoint before the first failed record and retry from it', async () => {
    const name = await stream(1);
    await put(
      name,
      Array.from({ length: 10 }, (_, i) => ({ data: `r${i}`, key: 'k' })),
    );
    const calls: string[][] = [];
    let failedOnce = false;
    const poller = createKinesisPoller({
      client: kinesis.client,
      streamName: name,
      batchSize: 10,
      pollIntervalMs: 10,
      retryDelayMs: 1,
      handler: async (e): Promise<KinesisStreamBatchResponse> => {
        const data = decode(e);
        calls.push(data);
        const r6 = e.Records.find((_, i) => data[i] === 'r6');
        const r5 = e.Records.find((_, i) => data[i] === 'r5');
        if (!failedOnce && r5 && r6) {
          failedOnce = true;
          // Report two: the lowest one (r5) decides where Kinesis resumes.
          return { batchItemFailures: [{ itemIdentifier: r6.kinesis.sequenceNumber }, { itemIdentifier: r5.kinesis.sequenceNumber }] };
        }
        return { batchItemFailures: [] };
      },
    });
    await poller.start();
    await poller.drain();
    await poller.stop();
    expect(calls).toEqual([
      ['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'r8', 'r9'],
      ['r5', 'r6', 'r7', 'r8', 'r9'],
    ]);
    expect(poller.stats.retries).toBe(1);
  });

  it('thrown errors with bisect isolate the poison record, which goes to on-failure after its retries', async () => {
    const name = await stream(1);
    await put(
      name,
      Array.from({ length: 8 }, (_, i) => ({ data: i === 5 ? 'POISON' : `r${i}`, key: 'k' })),
    );
    const ok: string[] = [];
    const failures: FailureInfo[] = [];
    const poller = createKinesisPoller({
      client: kinesis.client,
      streamName: name,
      batchSize: 8,
      pollIntervalMs: 10,
      retryDelayMs: 1,
      maximumRetryAttempts: 2,
      bisectBatchOnFunctionError: true,
      onFailure: (info) => {
        failures.push(info);
      },
      handler: async (e) => {
        const data = decode(e);
        if (data.includes('POISON')) throw new Error('handler crashed');
        ok.push(...data);
      },
    });
    await poller.start();
    await poller.drain();
    await poller.stop();
    expect(ok.sort()).toEqual(['r0', 'r1', 'r2', 'r3', 'r4', 'r6', 'r7']);
    expect(failures).toHaveLength(1);
    expect(failures[0]!.records.map((r) => Buffer.from(r.kinesis.data, 'base64').toString())).toEqual(['POISON']);
    expect(failures[0]!.reason).toBe('handler_error');
    expect(poller.stats.bisections).toBeGreaterThan(0);
  });

  it('a poison record through the real processor lands in failed events without a single retry', async () => {
    const name = await stream(1);
    const table = 'identity_poison';
    await dynamo.ensureTable(table);
    const p = createProcessor({
      dynamo: dynamo.client,
      firehose: fh.client,
      config: localConfig({ streams: STREAMS, identityTable: table, hashKey: 'k' }),
    });
    await put(name, [
      { data: JSON.stringify(envelope({ type: 'track', event: 'A', messageId: 'pp1', anonymousId: 'x' })), key: 'x' },
      { data: '\u0000garbage{', key: 'x' },
      { data: JSON.stringify(envelope({ type: 'track', event: 'B', messageId: 'pp2', anonymousId: 'x' })), key: 'x' },
    ]);
    const poller = createKinesisPoller({ client: kinesis.client, streamName: name, handler: (e) => p.handle(e), pollIntervalMs: 10 });
    await poller.start();
    await poller.drain();
    await poller.stop();
    expect(poller.stats.retries).toBe(0);
    expect(
      sink
        .rows<{ message_id: string }>(STREAMS.events)
        .filter((r) => r.message_id.startsWith('pp'))
        .map((r) => r.message_id),
    ).toEqual(['pp1', 'pp2']);
    expect(
      sink.rows<{ reason: string; raw: string }>(STREAMS.failed).some((f) => f.reason === 'bad_json' && f.raw.includes('garbage')),
    ).toBe(true);
  });
});
