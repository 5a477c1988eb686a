/**
 * Nothing on the stand-ins' loopback ports can kill the process that hosts them (issue 12, items 1
 * and 4): an aborted upload, garbage on the wire, and a full disk under the stream store each fail
 * that one request, and the stand-in keeps serving. With the collector in front, a stream store that
 * cannot write is backpressure: 503 + Retry-After, never a 2xx for what was not stored, and the same
 * request succeeds once the disk has room again.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { KinesisClient, ListStreamsCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalDynalite, startLocalDynamo } from '../../local/dynamodb.js';
import { type LocalKinesis, startLocalKinesis } from '../../local/kinesis.js';
import type { CollectedEnvelope } from '../../schemas/envelope.js';
import { startHarness } from './harness.js';
import { abortedUpload, rawExchange, rawRequest } from './hostile.js';

const portOf = (endpoint: string) => Number(new URL(endpoint).port);

/** A client that makes exactly one HTTP call per command, so the stand-in's own answer is what we see. */
function oneShotKinesis(k: LocalKinesis): KinesisClient {
  return new KinesisClient({
    endpoint: k.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    requestHandler: new NodeHttpHandler(),
    maxAttempts: 1,
  });
}

const HOSTILE_WIRE: Array<[string, Buffer | string]> = [
  ['random bytes', Buffer.from([0x00, 0xff, 0x13, 0x37, 0x0d, 0x0a, 0x0d, 0x0a])],
  ['request line only', 'POST / HTTP/1.1\r\n\r\n'],
  ['bad chunked framing', 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n'],
  ['both framings', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
  ['header overflow', `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`],
  ['odd target', 'POST //[ HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n'],
  [
    'not JSON',
    rawRequest({
      target: '/',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'Kinesis_20131202.PutRecords' },
      body: '{"Rec',
    }),
  ],
];

describe('kinesalite port', () => {
  let kinesis: LocalKinesis;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tl-kinesis-'));
    kinesis = await startLocalKinesis({ path: join(dir, 'kinesis') });
  });
  afterAll(async () => {
    await kinesis.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('survives an upload that hangs up before its Content-Length (curl -m 1 with Content-Length: 1000)', async () => {
    const port = portOf(kinesis.endpoint);
    for (let i = 0; i < 20; i++) {
      await abortedUpload(
        port,
        'POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-amz-json-1.1\r\nX-Amz-Target: Kinesis_20131202.PutRecords\r\nContent-Length: 1000\r\n\r\n',
        '{"StreamName":"s","Records":[',
      );
    }
    // Still serving, in the same process.
    expect((await kinesis.client.send(new ListStreamsCommand({}))).$metadata.httpStatusCode).toBe(200);
  });

  it('survives garbage on the wire and keeps serving', async () => {
    const port = portOf(kinesis.endpoint);
    for (const [, raw] of HOSTILE_WIRE) {
      const res = await rawExchange(port, raw);
      if (res.status !== undefined) expect(res.status).toBeLessThan(500);
    }
    expect((await kinesis.client.send(new ListStreamsCommand({}))).$metadata.httpStatusCode).toBe(200);
  });

  it('answers a write on a full disk with InternalFailure (HTTP 500) and writes again once the fault clears', async () => {
    await kinesis.ensureStream('disk-full', 1);
    const client = oneShotKinesis(kinesis);
    const put = () =>
      client.send(new PutRecordsCommand({ StreamName: 'disk-full', Records: [{ PartitionKey: 'p', Data: Buffer.from('x') }] }));
    kinesis.faults.storage.failWrites();
    const err = await put().then(
      () => undefined,
      (e: unknown) => e as { name: string; $metadata: { httpStatusCode: number }; $fault: string },
    );
    expect(err?.name).toBe('InternalFailure');
    expect(err?.$metadata.httpStatusCode).toBe(500);
    expect(err?.$fault).toBe('server');
    kinesis.faults.storage.clear();
    expect((await put()).FailedRecordCount).toBe(0);
    expect(await kinesis.readAll('disk-full')).toHaveLength(1);
    client.destroy();
  });

  it('collector: stream store cannot write -> 503 + Retry-After and nothing claimed stored; same request -> 200 after recovery', async () => {
    const h = await startHarness(kinesis, { retry: { maxAttempts: 3 } });
    const body = {
      batch: [
        { type: 'track', userId: 'u-1', event: 'Disk A', messageId: 'disk-1' },
        { type: 'track', userId: 'u-2', event: 'Disk B', messageId: 'disk-2' },
      ],
    };
    kinesis.faults.storage.failWrites();
    const refused = await h.post('/v1/batch', body);
    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused.json.error.reason).toBe('service_unavailable');
    expect(await h.records()).toHaveLength(0);

    kinesis.faults.storage.clear();
    const retried = await h.post('/v1/batch', body); // what an SDK does after the 503
    expect(retried.status).toBe(200);
    const ids = ((await h.envelopes()) as CollectedEnvelope[]).map((e) => e.event.messageId).sort();
    expect(ids).toEqual(['disk-1', 'disk-2']);
    await h.close();
  });
});

describe('dynalite port', () => {
  let dynamo: LocalDynalite;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tl-dynamo-'));
    dynamo = await startLocalDynamo({ path: join(dir, 'dynamodb') });
    await dynamo.ensureTable('identity');
  });
  afterAll(async () => {
    await dynamo.close();
    await rm(dir, { recursive: true, force: true });
  });

  const item = (id: string) => ({ pk: { S: id }, sk: { S: 'profile' } });

  it('survives aborted uploads and garbage on the wire', async () => {
    const port = portOf(dynamo.endpoint);
    for (let i = 0; i < 20; i++) {
      await abortedUpload(
        port,
        'POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-amz-json-1.0\r\nX-Amz-Target: DynamoDB_20120810.PutItem\r\nContent-Length: 1000\r\n\r\n',
        '{"TableName":"identity","Item":{',
      );
    }
    for (const [, raw] of HOSTILE_WIRE) {
      const res = await rawExchange(port, raw);
      if (res.status !== undefined) expect(res.status).toBeLessThan(500);
    }
    await dynamo.client.send(new PutItemCommand({ TableName: 'identity', Item: item('alive') }));
    expect((await dynamo.client.send(new GetItemCommand({ TableName: 'identity', Key: { pk: { S: 'alive' } } }))).Item).toBeDefined();
  });

  it('answers a write on a full disk with InternalServerError (HTTP 500) and writes again once the fault clears', async () => {
    dynamo.faults.storage.failWrites();
    const err = await dynamo.client.send(new PutItemCommand({ TableName: 'identity', Item: item('full') })).then(
      () => undefined,
      (e: unknown) => e as { name: string; $metadata: { httpStatusCode: number } },
    );
    expect(err?.name).toBe('InternalServerError');
    expect(err?.$metadata.httpStatusCode).toBe(500);
    dynamo.faults.storage.clear();
    await dynamo.client.send(new PutItemCommand({ TableName: 'identity', Item: item('full') }));
    expect((await dynamo.client.send(new GetItemCommand({ TableName: 'identity', Key: { pk: { S: 'full' } } }))).Item).toBeDefined();
  });
});

describe('local Firehose port', () => {
  it('refuses an oversized body with 413 without buffering it, survives aborted uploads, and keeps serving', async () => {
    const { startLocalFirehose } = await import('../../local/firehose-server.js');
    const { ListDeliveryStreamsCommand } = await import('@aws-sdk/client-firehose');
    const delivered: Buffer[] = [];
    const firehose = await startLocalFirehose({
      sink: { write: async (_s, recs) => void delivered.push(...recs), flush: async () => {}, close: async () => {} },
    });
    const port = portOf(firehose.endpoint);
    for (let i = 0; i < 10; i++) {
      await abortedUpload(
        port,
        'POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: Firehose_20150804.PutRecordBatch\r\nContent-Length: 1000\r\n\r\n',
        '{"Rec',
      );
    }
    const big = Buffer.alloc(17 * 1024 * 1024, 0x61);
    const res = await fetch(firehose.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'Firehose_20150804.PutRecordBatch' },
      body: big,
    }).catch(() => undefined); // the server may close before the whole upload is sent
    if (res) expect(res.status).toBe(413);
    expect((await firehose.client.send(new ListDeliveryStreamsCommand({}))).$metadata.httpStatusCode).toBe(200);
    await firehose.close();
  });
});
