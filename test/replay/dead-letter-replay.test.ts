/**
 * Dead-letter replay with the real SDK clients: @aws-sdk/client-kinesis against kinesalite and
 * @aws-sdk/client-sqs against an SQS stand-in speaking the AWS JSON protocol. The dead letters have the
 * shape Lambda writes for a Kinesis event source (KinesisBatchInfo with shard and sequence range).
 */
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildProgram } from '../../cli/index.js';
import { createKinesisWriter } from '../../lambdas/collector/kinesis-writer.js';
import { createSqsClient } from '../../lambdas/shared/clients/sqs.js';
import { compareSequence, parseDeadLetter, streamNameFromArn } from '../../lambdas/shared/dead-letter-record.js';
import { replayDeadLetters } from '../../lambdas/shared/dead-letter-replay.js';
import { type LocalKinesis, startLocalKinesis } from '../../local/kinesis.js';
import { type SqsStandIn, startSqsStandIn } from './sqs-stand-in.js';

const ACCOUNT = '000000000000';
const arn = (stream: string) => `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/${stream}`;

/** The on-failure record Lambda sends for a Kinesis batch (fields as documented for the SQS destination). */
function onFailure(stream: string, shardId: string, start: string, end: string, batchSize: number) {
  return JSON.stringify({
    requestContext: {
      requestId: 'c9b8fa9f-5a7f-4f2e-af9c-0c604cde93a5',
      functionArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:threadline-processor`,
      condition: 'RetryAttemptsExhausted',
      approximateInvokeCount: 11,
    },
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    version: '1.0',
    timestamp: '2026-12-02T10:00:00.000Z',
    KinesisBatchInfo: {
      shardId,
      startSequenceNumber: start,
      endSequenceNumber: end,
      approximateArrivalOfFirstRecord: '2026-12-02T09:59:58.000Z',
      approximateArrivalOfLastRecord: '2026-12-02T09:59:59.000Z',
      batchSize,
      streamArn: arn(stream),
    },
  });
}

let kinesis: LocalKinesis;
let sqsServer: SqsStandIn;
let sqs: SQSClient;

beforeAll(async () => {
  kinesis = await startLocalKinesis();
  sqsServer = await startSqsStandIn();
  sqs = createSqsClient({ endpoint: sqsServer.endpoint, region: 'us-east-1', maxAttempts: 1 });
});
afterAll(async () => {
  sqs.destroy();
  await sqsServer.close();
  await kinesis.close();
});

/** A one-shard stream holding envelopes m-1..m-n; returns their sequence numbers in order. */
async function streamWith(name: string, n: number): Promise<{ shardId: string; seqs: string[] }> {
  await kinesis.ensureStream(name, 1);
  const seqs: string[] = [];
  let shardId = '';
  for (let i = 1; i <= n; i++) {
    const out = await kinesis.client.send(
      new PutRecordsCommand({
        StreamName: name,
        Records: [
          { PartitionKey: `user-${i % 2}`, Data: Buffer.from(JSON.stringify({ v: 1, kind: 'event', event: { messageId: `m-${i}` } })) },
        ],
      }),
    );
    seqs.push(out.Records![0]!.SequenceNumber!);
    shardId = out.Records![0]!.ShardId!;
  }
  return { shardId, seqs };
}

async function enqueue(queueUrl: string, body: string): Promise<string> {
  return (await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }))).MessageId!;
}

const messageIds = async (stream: string) =>
  (await kinesis.readAll(stream)).map(
    (r) => (JSON.parse(Buffer.from(r.data).toString('utf8')) as { event: { messageId: string } }).event.messageId,
  );

const run = (queueUrl: string, extra: Partial<Parameters<typeof replayDeadLetters>[0]> = {}) =>
  replayDeadLetters({
    sqs,
    kinesis: kinesis.client,
    queueUrl,
    sinkFor: (streamName) => createKinesisWriter({ client: kinesis.client, streamName, retry: { baseDelayMs: 1, maxDelayMs: 5 } }),
    ...extra,
  });

describe('dead-letter record (pure)', () => {
  it('parses the documented on-failure record and names the stream', () => {
    const parsed = parseDeadLetter(onFailure('threadline-dev-events', 'shardId-000000000001', '4960', '4999', 40));
    expect(parsed).toEqual({
      ok: true,
      batch: {
        streamArn: arn('threadline-dev-events'),
        streamName: 'threadline-dev-events',
        shardId: 'shardId-000000000001',
        startSequenceNumber: '4960',
        endSequenceNumber: '4999',
        batchSize: 40,
        condition: 'RetryAttemptsExhausted',
      },
    });
    expect(streamNameFromArn('arn:aws:kinesis:eu-west-1:123456789012:stream/a.b_c-d')).toBe('a.b_c-d');
  });

  it('describes malformed messages instead of throwing', () => {
    expect(parseDeadLetter('not json')).toEqual({ ok: false, problem: 'body is not JSON' });
    expect(parseDeadLetter(undefined)).toMatchObject({ ok: false });
    expect(parseDeadLetter('{"requestContext":{}}')).toMatchObject({ ok: false, problem: expect.stringContaining('KinesisBatchInfo') });
    expect(parseDeadLetter(onFailure('s', 'shardId-0', '12x', '13', 1))).toMatchObject({
      ok: false,
      problem: expect.stringContaining('startSequenceNumber'),
    });
    expect(parseDeadLetter(onFailure('s', 'shardId-0', '20', '13', 1))).toMatchObject({
      ok: false,
      problem: expect.stringContaining('after'),
    });
  });

  it('property: sequence numbers (beyond 2^53) compare as integers, not as strings or doubles', () => {
    const seq = fc.bigInt({ min: 0n, max: 10n ** 56n });
    fc.assert(fc.property(seq, seq, (a, b) => compareSequence(a.toString(), b.toString()) === (a < b ? -1 : a > b ? 1 : 0)));
    expect(
      compareSequence(
        '49601189658422359378836298521827638475320189012309704722',
        '49601189658422359378836298521827638475320189012309704723',
      ),
    ).toBe(-1);
    expect(compareSequence('9', '10')).toBe(-1);
  });
});

describe('replayDeadLetters', () => {
  it('re-puts exactly the dead-lettered range, deletes its message, keeps what it cannot replay', async () => {
    const { shardId, seqs } = await streamWith('orders', 6);
    const queueUrl = sqsServer.queueUrl('dlq-1');
    const good = await enqueue(queueUrl, onFailure('orders', shardId, seqs[1]!, seqs[3]!, 3));
    const malformed = await enqueue(queueUrl, '{"hello":"world"}');
    const gone = await enqueue(queueUrl, onFailure('deleted-stream', shardId, seqs[0]!, seqs[0]!, 1));

    const report = await run(queueUrl);

    expect(report).toMatchObject({ messages: 3, replayed: 1, kept: 2, recordsPut: 3 });
    const byId = new Map(report.outcomes.map((o) => [o.messageId, o]));
    expect(byId.get(good)).toMatchObject({ status: 'replayed', records: 3, target: 'orders' });
    expect(byId.get(malformed)).toMatchObject({ status: 'kept', reason: 'malformed' });
    expect(byId.get(gone)).toMatchObject({ status: 'kept', reason: 'records_unavailable' });
    // m-2..m-4 once more, byte for byte: same messageId, so the views' dedup counts each once.
    expect(await messageIds('orders')).toEqual(['m-1', 'm-2', 'm-3', 'm-4', 'm-5', 'm-6', 'm-2', 'm-3', 'm-4']);
    const stored = await kinesis.readAll('orders');
    for (const i of [1, 2, 3]) {
      expect(Buffer.from(stored[i + 5]!.data).equals(Buffer.from(stored[i]!.data))).toBe(true);
      expect(stored[i + 5]!.partitionKey).toBe(stored[i]!.partitionKey);
    }
    expect(
      sqsServer
        .messages('dlq-1')
        .map((m) => m.id)
        .sort(),
    ).toEqual([malformed, gone].sort());
  });

  it('a failed delete keeps the message; the next run replays it again (at-least-once) and then the queue is empty', async () => {
    const { shardId, seqs } = await streamWith('payments', 2);
    const queueUrl = sqsServer.queueUrl('dlq-2');
    await enqueue(queueUrl, onFailure('payments', shardId, seqs[0]!, seqs[1]!, 2));

    sqsServer.failNext('DeleteMessage', 1);
    const first = await run(queueUrl);
    expect(first).toMatchObject({ replayed: 0, kept: 1, recordsPut: 2 });
    expect(first.outcomes[0]).toMatchObject({ status: 'kept', reason: 'delete_failed' });
    expect(sqsServer.messages('dlq-2')).toHaveLength(1);

    // Still in flight: a run before the visibility timeout sees nothing.
    expect(await run(queueUrl)).toMatchObject({ messages: 0 });

    sqsServer.advance(301_000);
    const second = await run(queueUrl);
    expect(second).toMatchObject({ replayed: 1, kept: 0, recordsPut: 2 });
    expect(sqsServer.messages('dlq-2')).toEqual([]);
    expect(await messageIds('payments')).toEqual(['m-1', 'm-2', 'm-1', 'm-2', 'm-1', 'm-2']);
    expect(await run(queueUrl)).toMatchObject({ messages: 0, recordsPut: 0 });
  });

  it('a failed put deletes nothing; --dry-run reads and checks but writes and deletes nothing', async () => {
    const { shardId, seqs } = await streamWith('refunds', 3);
    const queueUrl = sqsServer.queueUrl('dlq-3');
    await enqueue(queueUrl, onFailure('refunds', shardId, seqs[0]!, seqs[2]!, 3));

    const failing = await run(queueUrl, { targetStream: 'no-such-stream' });
    expect(failing.outcomes[0]).toMatchObject({ status: 'kept', reason: 'put_failed' });
    expect(sqsServer.messages('dlq-3')).toHaveLength(1);

    sqsServer.advance(301_000);
    const dry = await run(queueUrl, { dryRun: true });
    expect(dry.outcomes[0]).toMatchObject({ status: 'checked', records: 3, target: 'refunds' });
    expect(await messageIds('refunds')).toEqual(['m-1', 'm-2', 'm-3']);
    expect(sqsServer.messages('dlq-3')).toHaveLength(1);
  });
});

describe('threadline replay-dead-letters', () => {
  it('replays through the CLI with the SDK endpoint variables; exit 1 while anything stays in the queue', async () => {
    const { shardId, seqs } = await streamWith('cli-events', 2);
    const queueUrl = sqsServer.queueUrl('dlq-cli');
    await enqueue(queueUrl, onFailure('cli-events', shardId, seqs[0]!, seqs[1]!, 2));
    await enqueue(queueUrl, 'garbage');
    vi.stubEnv('AWS_ENDPOINT_URL_SQS', sqsServer.endpoint);
    vi.stubEnv('AWS_ENDPOINT_URL_KINESIS', kinesis.endpoint);
    vi.stubEnv('AWS_REGION', 'us-east-1');
    const out: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((s: unknown) => void out.push(String(s)));
    const previousExit = process.exitCode;
    try {
      const program = await buildProgram();
      await program.parseAsync(['node', 'threadline', 'replay-dead-letters', '--queue-url', queueUrl, '--json']);
      const report = JSON.parse(out.at(-1)!);
      expect(report).toMatchObject({ messages: 2, replayed: 1, kept: 1, recordsPut: 2 });
      expect(process.exitCode).toBe(1);
    } finally {
      process.exitCode = previousExit;
      log.mockRestore();
      vi.unstubAllEnvs();
    }
    expect(await messageIds('cli-events')).toEqual(['m-1', 'm-2', 'm-1', 'm-2']);
  });
});
