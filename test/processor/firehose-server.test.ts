/**
 * The local Firehose endpoint against the real @aws-sdk/client-firehose: what the SDK sends is
 * decoded and delivered, responses parse into the documented shapes, limits and errors look like
 * the service's.
 */

import {
  DescribeDeliveryStreamCommand,
  ListDeliveryStreamsCommand,
  PutRecordBatchCommand,
  PutRecordCommand,
} from '@aws-sdk/client-firehose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalFirehose, startLocalFirehose } from '../../local/firehose-server.js';
import { MemorySink } from './helpers.js';

let fh: LocalFirehose;
const sink = new MemorySink();

beforeAll(async () => {
  fh = await startLocalFirehose({ sink, streams: ['a', 'b'] });
});
afterAll(async () => fh.close());

describe('local Firehose (JSON 1.1 wire protocol)', () => {
  it('PutRecordBatch delivers the decoded bytes and answers one RecordId per record', async () => {
    const res = await fh.client.send(
      new PutRecordBatchCommand({
        DeliveryStreamName: 'a',
        Records: [{ Data: Buffer.from('{"x":1}\n') }, { Data: Buffer.from('{"x":2}\n') }],
      }),
    );
    expect(res.FailedPutCount).toBe(0);
    expect(res.RequestResponses).toHaveLength(2);
    expect(res.RequestResponses!.every((r) => typeof r.RecordId === 'string' && !r.ErrorCode)).toBe(true);
    expect(sink.lines.get('a')).toEqual(['{"x":1}\n', '{"x":2}\n']);
  });

  it('PutRecord works too', async () => {
    const res = await fh.client.send(new PutRecordCommand({ DeliveryStreamName: 'b', Record: { Data: Buffer.from('one\n') } }));
    expect(res.RecordId).toBeTruthy();
    expect(sink.lines.get('b')).toEqual(['one\n']);
  });

  it('injected per-record failures come back as ErrorCode + FailedPutCount, in position', async () => {
    fh.inject.failNextRecords(2);
    const res = await fh.client.send(
      new PutRecordBatchCommand({ DeliveryStreamName: 'a', Records: ['1', '2', '3'].map((s) => ({ Data: Buffer.from(s) })) }),
    );
    expect(res.FailedPutCount).toBe(2);
    expect(res.RequestResponses!.map((r) => r.ErrorCode ?? 'ok')).toEqual([
      'ServiceUnavailableException',
      'ServiceUnavailableException',
      'ok',
    ]);
    expect(res.RequestResponses![0]!.ErrorMessage).toBeTruthy();
    expect(sink.lines.get('a')!.at(-1)).toBe('3');
  });

  it('unknown stream -> ResourceNotFoundException; over 500 records -> InvalidArgumentException', async () => {
    await expect(
      fh.client.send(new PutRecordBatchCommand({ DeliveryStreamName: 'nope', Records: [{ Data: Buffer.from('x') }] })),
    ).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    const many = Array.from({ length: 501 }, () => ({ Data: Buffer.from('x') }));
    await expect(fh.client.send(new PutRecordBatchCommand({ DeliveryStreamName: 'a', Records: many }))).rejects.toMatchObject({
      name: 'InvalidArgumentException',
    });
  });

  it('injected whole-call failure is a 503 ServiceUnavailableException the SDK recognises', async () => {
    fh.inject.failNextCalls(1);
    const client = fh.client;
    // maxAttempts of the shared client is the SDK default (3): one injected failure is retried by the SDK.
    const res = await client.send(new PutRecordBatchCommand({ DeliveryStreamName: 'b', Records: [{ Data: Buffer.from('after-retry') }] }));
    expect(res.FailedPutCount).toBe(0);
    expect(sink.lines.get('b')!.at(-1)).toBe('after-retry');
    fh.inject.failNextCalls(5, { status: 400, code: 'InvalidArgumentException' });
    await expect(
      client.send(new PutRecordBatchCommand({ DeliveryStreamName: 'b', Records: [{ Data: Buffer.from('x') }] })),
    ).rejects.toMatchObject({
      name: 'InvalidArgumentException',
      $metadata: { httpStatusCode: 400 },
    });
    fh.inject.reset();
  });

  it('DescribeDeliveryStream and ListDeliveryStreams', async () => {
    const d = await fh.client.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'a' }));
    expect(d.DeliveryStreamDescription?.DeliveryStreamStatus).toBe('ACTIVE');
    expect(d.DeliveryStreamDescription?.CreateTimestamp).toBeInstanceOf(Date);
    const l = await fh.client.send(new ListDeliveryStreamsCommand({}));
    expect(l.DeliveryStreamNames).toEqual(['a', 'b']);
    expect(l.HasMoreDeliveryStreams).toBe(false);
  });
});
