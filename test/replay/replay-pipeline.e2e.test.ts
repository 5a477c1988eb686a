/**
 * Why a replay is safe, end to end on the local pipeline (collector -> kinesalite -> processor ->
 * dynalite -> Firehose stand-in -> Parquet lake -> DuckDB views): the dead-lettered range is re-put on
 * the stream, the processor handles it again, the lake holds the rows twice, and the views count them
 * once; a replayed identity change carries the same change_id, so nothing new is learnt.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GetRecordsCommand, GetShardIteratorCommand, KinesisClient, ListShardsCommand } from '@aws-sdk/client-kinesis';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createKinesisWriter } from '../../lambdas/collector/kinesis-writer.js';
import { createSqsClient } from '../../lambdas/shared/clients/sqs.js';
import { replayDeadLetters } from '../../lambdas/shared/dead-letter-replay.js';
import { DEV_STREAM_NAME } from '../../local/collector-server.js';
import { type LocalPipeline, startLocalPipeline } from '../../local/pipeline.js';
import { type SqsStandIn, startSqsStandIn } from './sqs-stand-in.js';

const dir = mkdtempSync(path.join(tmpdir(), 'threadline-replay-'));
let pipeline: LocalPipeline;
let sqsServer: SqsStandIn;
let kinesis: KinesisClient;
const count = async (sql: string) => Number((await pipeline.engine.query<{ n: number }>(sql)).rows[0]!.n);

beforeAll(async () => {
  pipeline = await startLocalPipeline({ dataDir: dir, inMemory: true, shards: 1, lakeFlushMs: 60_000, log: () => {} });
  sqsServer = await startSqsStandIn();
  kinesis = new KinesisClient({
    endpoint: pipeline.kinesisEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    requestHandler: new NodeHttpHandler(),
  });
});
afterAll(async () => {
  kinesis?.destroy();
  await sqsServer?.close();
  await pipeline?.stop();
  rmSync(dir, { recursive: true, force: true });
});

it('replayed records land twice in the lake and count once in the views', async () => {
  const batch = ['r-1', 'r-2', 'r-3'].map((messageId, i) => ({
    type: i === 0 ? 'identify' : 'track',
    ...(i === 0 ? { traits: { email: 'ada@example.com' } } : { event: 'Viewed' }),
    userId: 'u-ada',
    anonymousId: 'a-ada',
    messageId,
    timestamp: `2026-11-20T10:00:0${i}Z`,
  }));
  const res = await fetch(`${pipeline.url}/v1/import`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${pipeline.writeKey}:`).toString('base64')}` },
    body: JSON.stringify({ batch }),
  });
  expect(res.status).toBe(200);
  await pipeline.drain();
  expect(await count('SELECT count(*)::INT AS n FROM events')).toBe(3);
  const changesBefore = await count('SELECT count(DISTINCT change_id)::INT AS n FROM identity_changes');
  const personsBefore = await count('SELECT count(DISTINCT canonical_person_id)::INT AS n FROM identity_map');

  // The dead letter Lambda would have written for the whole batch.
  const { Shards } = await kinesis.send(new ListShardsCommand({ StreamName: DEV_STREAM_NAME }));
  const shardId = Shards![0]!.ShardId!;
  const { ShardIterator } = await kinesis.send(
    new GetShardIteratorCommand({ StreamName: DEV_STREAM_NAME, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }),
  );
  const seqs = ((await kinesis.send(new GetRecordsCommand({ ShardIterator }))).Records ?? []).map((r) => r.SequenceNumber!);
  expect(seqs).toHaveLength(3);
  const sqs = createSqsClient({ endpoint: sqsServer.endpoint, region: 'us-east-1' });
  const queueUrl = sqsServer.queueUrl('processor-dlq');
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: queueUrl,
      MessageBody: JSON.stringify({
        requestContext: { condition: 'RetryAttemptsExhausted', approximateInvokeCount: 11 },
        version: '1.0',
        KinesisBatchInfo: {
          shardId,
          startSequenceNumber: seqs[0],
          endSequenceNumber: seqs[2],
          batchSize: 3,
          streamArn: `arn:aws:kinesis:us-east-1:000000000000:stream/${DEV_STREAM_NAME}`,
        },
      }),
    }),
  );

  const report = await replayDeadLetters({
    sqs,
    kinesis,
    queueUrl,
    sinkFor: (streamName) => createKinesisWriter({ client: kinesis, streamName }),
  });
  sqs.destroy();
  expect(report).toMatchObject({ replayed: 1, kept: 0, recordsPut: 3 });
  expect(sqsServer.messages('processor-dlq')).toEqual([]);

  await pipeline.drain();
  expect(await count('SELECT count(*)::INT AS n FROM events')).toBe(6);
  expect(await count('SELECT count(*)::INT AS n FROM events_deduped')).toBe(3);
  expect(await count('SELECT count(DISTINCT message_id)::INT AS n FROM events')).toBe(3);
  // A replayed merge is written again with the same deterministic change_id: nothing new is learnt.
  expect(await count('SELECT count(DISTINCT change_id)::INT AS n FROM identity_changes')).toBe(changesBefore);
  expect(await count('SELECT count(DISTINCT canonical_person_id)::INT AS n FROM identity_map')).toBe(personsBefore);
});
