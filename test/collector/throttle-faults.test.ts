/**
 * Throttling injected at the stand-ins' HTTP front answers with the services' own shapes, so the real
 * SDK classifies it as AWS would: a whole PutRecords or BatchGetItem refused with
 * ProvisionedThroughputExceededException, and a PutRecords whose 2nd, 4th, ... records fail in a 200
 * answer with FailedRecordCount set. A refused record never reaches the store.
 */
import { BatchGetItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { isThrottlingError } from '@smithy/service-error-classification';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalDynalite, startLocalDynamo } from '../../local/dynamodb.js';
import { type LocalKinesis, startLocalKinesis } from '../../local/kinesis.js';

const local = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 };
let kinesis: LocalKinesis;
let dynamo: LocalDynalite;
let k1: KinesisClient;
let d1: DynamoDBClient;

beforeAll(async () => {
  [kinesis, dynamo] = await Promise.all([startLocalKinesis(), startLocalDynamo()]);
  k1 = new KinesisClient({ ...local, endpoint: kinesis.endpoint, requestHandler: new NodeHttpHandler() });
  d1 = new DynamoDBClient({ ...local, endpoint: dynamo.endpoint, requestHandler: new NodeHttpHandler() });
  await kinesis.ensureStream('throttled', 1);
  await dynamo.ensureTable('throttled');
});
afterAll(async () => {
  k1?.destroy();
  d1?.destroy();
  await kinesis?.close();
  await dynamo?.close();
});

const put = (data: string[]) =>
  k1.send(new PutRecordsCommand({ StreamName: 'throttled', Records: data.map((d) => ({ Data: Buffer.from(d), PartitionKey: d })) }));

describe('Kinesis stand-in throttling', () => {
  it('refuses whole calls with ProvisionedThroughputExceededException, which the SDK classifies as throttling', async () => {
    kinesis.faults.throttle.throttleNextCalls(1, 'PutRecords');
    const err = await put(['w1']).catch((e: Error & { $metadata?: { httpStatusCode?: number } }) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).name).toBe('ProvisionedThroughputExceededException');
    expect((err as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode).toBe(400);
    expect(isThrottlingError(err as never)).toBe(true);
    // the next call is served, and the refused record was never stored
    expect((await put(['w2'])).FailedRecordCount).toBe(0);
    const stored = (await kinesis.readAll('throttled')).map((r) => Buffer.from(r.data).toString());
    expect(stored).toContain('w2');
    expect(stored).not.toContain('w1');
  });

  it('fails every other record of a PutRecords in a 200 answer, and stores only the others', async () => {
    kinesis.faults.throttle.failRecordsOfNextCalls(1);
    const out = await put(['p0', 'p1', 'p2', 'p3', 'p4']);
    expect(out.FailedRecordCount).toBe(2);
    expect(out.Records!.map((r) => r.ErrorCode ?? 'ok')).toEqual([
      'ok',
      'ProvisionedThroughputExceededException',
      'ok',
      'ProvisionedThroughputExceededException',
      'ok',
    ]);
    expect(out.Records!.filter((r) => r.SequenceNumber).length).toBe(3);
    const stored = (await kinesis.readAll('throttled')).map((r) => Buffer.from(r.data).toString());
    expect(stored.filter((s) => s.startsWith('p')).sort()).toEqual(['p0', 'p2', 'p4']);
    expect(kinesis.faults.throttle.stats.records).toBe(2);
  });
});

describe('DynamoDB stand-in throttling', () => {
  it('refuses the named operation with the DynamoDB throttling error, then serves it', async () => {
    const read = () => d1.send(new BatchGetItemCommand({ RequestItems: { throttled: { Keys: [{ pk: { S: 'x' } }] } } }));
    dynamo.faults.throttle.throttleNextCalls(1, 'BatchGetItem');
    const err = (await read().catch((e: Error) => e)) as Error;
    expect(err.name).toBe('ProvisionedThroughputExceededException');
    expect(isThrottlingError(err as never)).toBe(true);
    expect((await read()).Responses?.throttled).toEqual([]);
  });
});
