/**
 * Kinesis partial and total failures: accepted events are retried (only the failed records), and the
 * client gets 503 + Retry-After rather than a false 200. Invariant checked throughout: a 200 means
 * every accepted event is in the stream.
 */

import { ResourceNotFoundException } from '@aws-sdk/client-kinesis';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKinesisWriter } from '../../lambdas/collector/kinesis-writer.js';
import type { LocalKinesis } from '../../local/kinesis.js';
import type { CollectedEnvelope } from '../../schemas/envelope.js';
import { type Fault, faultyClient, throttled } from './faults.js';
import { startHarness, startKinesis } from './harness.js';

let kinesis: LocalKinesis;
beforeAll(async () => {
  kinesis = await startKinesis();
});
afterAll(async () => kinesis.close());

const batchOf = (n: number, tag: string) => ({
  batch: Array.from({ length: n }, (_, i) => ({ type: 'track', userId: `u-${i % 3}`, event: 'Clicked', messageId: `${tag}-${i}` })),
});

async function storedIds(h: { envelopes(): Promise<unknown[]> }): Promise<string[]> {
  return ((await h.envelopes()) as CollectedEnvelope[]).filter((e) => e.kind === 'event').map((e) => e.event.messageId);
}

describe('partial failure (FailedRecordCount > 0)', () => {
  it('re-sends only the failed records and answers 200 once all are in: no loss, no duplicate', async () => {
    let faulty!: ReturnType<typeof faultyClient>;
    const h = await startHarness(kinesis, {
      client: (k) =>
        (faulty = faultyClient(
          k,
          (call): Fault =>
            call === 0
              ? {
                  kind: 'partial',
                  fail: [
                    { index: 0, code: 'ProvisionedThroughputExceededException' },
                    { index: 3, code: 'ProvisionedThroughputExceededException' },
                    { index: 5, code: 'InternalFailure' },
                    { index: 9, code: 'ProvisionedThroughputExceededException' },
                  ],
                }
              : { kind: 'none' },
        )).client,
    });
    const res = await h.post('/v1/batch', batchOf(10, 'p'));
    expect(res.status).toBe(200);
    expect(res.json.accepted).toBe(10);
    expect(faulty.calls).toEqual([10, 4]); // second call carried exactly the 4 failed records
    const ids = await storedIds(h);
    expect(ids.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `p-${i}`).sort());
    await h.close();
  });

  it('answers 503 + Retry-After when a record keeps failing, and the client retry then loses nothing', async () => {
    let failing = true;
    let faulty!: ReturnType<typeof faultyClient>;
    const h = await startHarness(kinesis, {
      retry: { maxAttempts: 4 },
      client: (k) =>
        (faulty = faultyClient(
          k,
          (): Fault =>
            failing ? { kind: 'partial', fail: [{ index: 0, code: 'ProvisionedThroughputExceededException' }] } : { kind: 'none' },
        )).client,
    });
    const body = batchOf(6, 'q');
    const res = await h.post('/v1/batch', body);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('2');
    expect(res.json.error.reason).toBe('service_unavailable');
    expect(faulty.calls).toEqual([6, 1, 1, 1]); // 4 attempts (bounded), each re-sending only the failed record
    failing = false;
    const retried = await h.post('/v1/batch', body); // what every SDK does with a 503
    expect(retried.status).toBe(200);
    const ids = await storedIds(h);
    for (const m of body.batch) expect(ids).toContain(m.messageId); // duplicates allowed, loss not
    await h.close();
  });
});

describe('total failure (the call throws)', () => {
  it('retries a thrown ProvisionedThroughputExceededException and then answers 200', async () => {
    let faulty!: ReturnType<typeof faultyClient>;
    const h = await startHarness(kinesis, {
      client: (k) =>
        (faulty = faultyClient(k, (call): Fault => (call < 2 ? { kind: 'throw', error: throttled() } : { kind: 'none' }))).client,
    });
    const res = await h.post('/v1/batch', batchOf(5, 't'));
    expect(res.status).toBe(200);
    expect(faulty.calls).toEqual([5, 5, 5]);
    expect((await storedIds(h)).sort()).toEqual(['t-0', 't-1', 't-2', 't-3', 't-4']);
    await h.close();
  });

  it('answers 503 when throttling never ends, and nothing is claimed stored', async () => {
    let faulty!: ReturnType<typeof faultyClient>;
    const h = await startHarness(kinesis, {
      retry: { maxAttempts: 3 },
      client: (k) => (faulty = faultyClient(k, (): Fault => ({ kind: 'throw', error: throttled() }))).client,
    });
    const res = await h.post('/v1/track', { userId: 'u', event: 'e' });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('2');
    expect(faulty.calls).toEqual([1, 1, 1]);
    expect(await h.records()).toEqual([]);
    await h.close();
  });

  it('does not retry a permanent error (stream missing: real kinesalite ResourceNotFoundException)', async () => {
    const sink = createKinesisWriter({ client: kinesis.client, streamName: 'no-such-stream', retry: { baseDelayMs: 1, maxAttempts: 5 } });
    const result = await sink.put([{ partitionKey: 'k', data: new TextEncoder().encode('{}') }]);
    expect(result).toMatchObject({ ok: false, written: 0, failed: 1, attempts: 1, lastError: ResourceNotFoundException.name });
  });
});

describe('chunking', () => {
  it('splits 1,200 events into PutRecords calls of 500, 500 and 200', async () => {
    let faulty!: ReturnType<typeof faultyClient>;
    const h = await startHarness(kinesis, { client: (k) => (faulty = faultyClient(k, (): Fault => ({ kind: 'none' }))).client });
    const res = await h.post('/v1/batch', batchOf(1200, 'c'));
    expect(res.status).toBe(200);
    expect(faulty.calls).toEqual([500, 500, 200]);
    expect(new Set(await storedIds(h)).size).toBe(1200);
    await h.close();
  });
});

describe('property: a 200 is never false', () => {
  it('for random partial/total fault plans, 200 implies every accepted event is in the stream', async () => {
    const codes = ['ProvisionedThroughputExceededException', 'InternalFailure'] as const;
    const faultArb = fc.oneof(
      fc.constant<Fault>({ kind: 'none' }),
      fc.constant<Fault>({ kind: 'throw', error: throttled() }),
      fc
        .array(fc.record({ index: fc.nat({ max: 11 }), code: fc.constantFrom(...codes) }), { minLength: 1, maxLength: 8 })
        .map((fail): Fault => ({ kind: 'partial', fail })),
    );
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(faultArb, { minLength: 1, maxLength: 6 }), fc.integer({ min: 1, max: 12 }), async (plan, n) => {
        const tag = `r${run++}`;
        const h = await startHarness(kinesis, {
          retry: { maxAttempts: 4 },
          client: (k) => faultyClient(k, (call) => plan[call] ?? { kind: 'none' }).client,
        });
        try {
          const res = await h.post('/v1/batch', batchOf(n, tag));
          expect([200, 503]).toContain(res.status);
          const ids = new Set(await storedIds(h));
          const all = Array.from({ length: n }, (_, i) => `${tag}-${i}`);
          if (res.status === 200) for (const id of all) expect(ids.has(id)).toBe(true);
          // Only failed records are re-sent: nothing is written twice within one request.
          expect(ids.size).toBe(((await h.envelopes()) as CollectedEnvelope[]).length);
          // With at most 3 faulty calls and 4 attempts, it always ends in 200.
          if (plan.slice(0, 4).filter((f) => f.kind !== 'none').length < 4) expect(res.status).toBe(200);
        } finally {
          await h.close();
        }
      }),
      { numRuns: 25 },
    );
  });
});
