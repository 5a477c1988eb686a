/**
 * The local Kinesis event source's retry limits on kinesalite, as the Lambda event source mapping
 * defines them: MaximumRecordAgeInSeconds (records older than the limit by arrival time are not
 * invoked again and go to on-failure as 'record_age_exceeded') and the AWS default of -1 for
 * MaximumRetryAttempts (retry without limit; stop() abandons the retries without checkpointing).
 * Record age is measured against an injected clock, moved forward by the test, so no test waits a minute.
 */

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KinesisStreamBatchResponse } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createKinesisPoller, type FailureInfo } from '../../local/kinesis-poller.js';
import { decodeRecords, until, useLocalKinesis } from './kinesis-fixture.js';

const fixture = useLocalKinesis('limits');
const { stream, put } = fixture;
const decode = decodeRecords;
const dataOf = (f: FailureInfo) => f.records.map((r) => Buffer.from(r.kinesis.data, 'base64').toString());

describe('maximumRecordAgeSeconds', () => {
  it('stops retrying records once they are older than the limit and sends them to on-failure', async () => {
    const name = await stream();
    const seqs = await put(name, ['r0', 'POISON', 'r2']);
    let offsetMs = 0;
    const calls: string[][] = [];
    const failures: FailureInfo[] = [];
    const poller = createKinesisPoller({
      client: fixture.kinesis().client,
      streamName: name,
      batchSize: 10,
      pollIntervalMs: 5,
      retryDelayMs: 1,
      maximumRecordAgeSeconds: 60,
      now: () => Date.now() + offsetMs,
      onFailure: (f) => {
        failures.push(f);
      },
      handler: async (e): Promise<KinesisStreamBatchResponse> => {
        const data = decode(e);
        calls.push(data);
        const i = data.indexOf('POISON');
        if (i < 0) return { batchItemFailures: [] };
        offsetMs += 25_000; // each failed attempt "takes" 25 s
        return { batchItemFailures: [{ itemIdentifier: e.Records[i]!.kinesis.sequenceNumber }] };
      },
    });
    await poller.start();
    await poller.drain();
    // By hand: attempts at ages ~0 s, 25 s, 50 s fail; at 75 s (> 60) POISON is not invoked again.
    // r2 arrived with POISON, so it is just as old and goes with it (age is per record, as in AWS).
    expect(calls).toEqual([
      ['r0', 'POISON', 'r2'],
      ['POISON', 'r2'],
      ['POISON', 'r2'],
    ]);
    expect(failures).toHaveLength(1);
    expect(failures[0]!.reason).toBe('record_age_exceeded');
    expect(failures[0]!.attempts).toBe(3);
    expect(dataOf(failures[0]!)).toEqual(['POISON', 'r2']);
    expect(poller.checkpoints()).toEqual({ 'shardId-000000000000': seqs[2] });
    expect(poller.stats.recordsToOnFailure).toBe(2);

    // The shard has moved on: a fresh record (clock back to real time) is delivered normally.
    offsetMs = 0;
    await put(name, ['r3']);
    await poller.drain();
    await poller.stop();
    expect(calls.at(-1)).toEqual(['r3']);
    expect(failures).toHaveLength(1);
  });

  it('drops a backlog already older than the limit without invoking the handler, keeps younger records', async () => {
    const name = await stream();
    const [, oldLast] = await put(name, ['old-a', 'old-b']);
    await new Promise((r) => setTimeout(r, 20));
    await put(name, ['young']);
    const arrival = new Map(
      (await fixture.kinesis().readAll(name)).map((r) => [Buffer.from(r.data).toString(), r.approximateArrivalTimestamp!.getTime()]),
    );
    const young = arrival.get('young')!;
    expect(young).toBeGreaterThan(arrival.get('old-b')!); // precondition: they arrived at different times
    const calls: string[][] = [];
    const failures: FailureInfo[] = [];
    const poller = createKinesisPoller({
      client: fixture.kinesis().client,
      streamName: name,
      pollIntervalMs: 5,
      maximumRecordAgeSeconds: 60,
      // Exactly 60 s after 'young' arrived: 'young' is 60 s old (not OLDER than the limit, so it is
      // delivered); the pair that arrived before it is past the limit.
      now: () => young + 60_000,
      onFailure: (f) => {
        failures.push(f);
      },
      handler: async (e) => {
        calls.push(decode(e));
      },
    });
    await poller.start();
    await poller.drain();
    await poller.stop();
    expect(failures.map((f) => [f.reason, f.attempts, dataOf(f)])).toEqual([['record_age_exceeded', 0, ['old-a', 'old-b']]]);
    expect(failures[0]!.records.at(-1)!.kinesis.sequenceNumber).toBe(oldLast);
    expect(calls).toEqual([['young']]);
  });

  it('accepts only -1 or the AWS range (60..604800 s); retries -1..10000', () => {
    const base = { client: fixture.kinesis().client, streamName: 'x', handler: async () => {} };
    for (const bad of [0, 59, 604_801, 1.5, -2])
      expect(() => createKinesisPoller({ ...base, maximumRecordAgeSeconds: bad })).toThrow(RangeError);
    for (const ok of [-1, 60, 604_800]) expect(() => createKinesisPoller({ ...base, maximumRecordAgeSeconds: ok })).not.toThrow();
    for (const bad of [-2, 10_001, 0.5]) expect(() => createKinesisPoller({ ...base, maximumRetryAttempts: bad })).toThrow(RangeError);
    for (const ok of [-1, 0, 10_000]) expect(() => createKinesisPoller({ ...base, maximumRetryAttempts: ok })).not.toThrow();
  });
});

describe('maximumRetryAttempts default (-1, as AWS)', () => {
  it('retries a failing batch without limit; stop() abandons it un-checkpointed and a restart replays it', async () => {
    const name = await stream();
    await put(name, ['stuck']);
    const checkpointFile = join(mkdtempSync(join(tmpdir(), 'poller-limits-')), 'checkpoints.json');
    let attempts = 0;
    const failures: FailureInfo[] = [];
    const poller = createKinesisPoller({
      client: fixture.kinesis().client,
      streamName: name,
      pollIntervalMs: 5,
      retryDelayMs: 1,
      checkpointFile,
      onFailure: (f) => {
        failures.push(f);
      },
      handler: async () => {
        attempts++;
        throw new Error('downstream unavailable');
      },
    });
    await poller.start();
    // More attempts than the old local default allowed (5 retries = 6 attempts).
    await until(() => attempts >= 9, '9 attempts');
    await poller.stop(); // returns although the record was never delivered nor exhausted
    expect(failures).toEqual([]);
    expect(poller.checkpoints()).toEqual({});

    const seen: string[] = [];
    const again = createKinesisPoller({
      client: fixture.kinesis().client,
      streamName: name,
      pollIntervalMs: 5,
      checkpointFile,
      handler: async (e) => void seen.push(...decode(e)),
    });
    await again.start();
    await again.drain();
    await again.stop();
    expect(seen).toEqual(['stuck']);
  });

  it('with bisect, stop() during the endless retries of one half never checkpoints past it', async () => {
    const name = await stream();
    const seqs = await put(name, ['a', 'POISON', 'c', 'd']);
    const delivered: string[] = [];
    let poisonAttempts = 0;
    const poller = createKinesisPoller({
      client: fixture.kinesis().client,
      streamName: name,
      batchSize: 4,
      pollIntervalMs: 5,
      retryDelayMs: 1,
      bisectBatchOnFunctionError: true,
      handler: async (e) => {
        const data = decode(e);
        if (data.includes('POISON')) {
          poisonAttempts++;
          throw new Error('poison');
        }
        delivered.push(...data);
      },
    });
    await poller.start();
    await until(() => poisonAttempts >= 6, 'POISON alone being retried');
    await poller.stop();
    // [a,POISON,c,d] -> [a,POISON] -> [a] done, [POISON] retried until stop. The second half [c,d]
    // must not run after the stop: its checkpoint would pass over POISON, which would then be lost.
    expect(delivered).toEqual(['a']);
    expect(poller.checkpoints()).toEqual({ 'shardId-000000000000': seqs[0] });
  });
});
