/**
 * Group commit in the Kinesis writer: requests that arrive while a PutRecords call is out go together
 * in the next call, and each still gets exactly its own outcome. Real KinesisClient against kinesalite;
 * the only stub is the fault-injecting middleware of faults.ts (real per-record error shapes).
 *
 * Concurrency is made deterministic by issuing the puts in one synchronous burst: the first goes out at
 * once, the others are queued behind it before any I/O completes.
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKinesisWriter } from '../../lambdas/collector/kinesis-writer.js';
import type { StreamRecord } from '../../lambdas/collector/sink.js';
import type { LocalKinesis } from '../../local/kinesis.js';
import { type Fault, faultyClient } from './faults.js';
import { startKinesis } from './harness.js';

let kinesis: LocalKinesis;
beforeAll(async () => {
  kinesis = await startKinesis();
});
afterAll(async () => kinesis.close());

const fast = { baseDelayMs: 1, maxDelayMs: 2, timeBudgetMs: 5_000 };

function recordsOf(caller: number, n: number, key = (i: number) => `person-${(caller + i) % 3}`): StreamRecord[] {
  return Array.from({ length: n }, (_, i) => ({ partitionKey: key(i), data: Buffer.from(`${caller}:${i}`) }));
}

async function newStream(): Promise<string> {
  const name = `gc-${randomUUID().slice(0, 8)}`;
  await kinesis.ensureStream(name, 2);
  return name;
}

/** caller -> the record indexes stored for it, in stream (sequence) order per shard. */
async function storedByCaller(stream: string): Promise<Map<number, number[]>> {
  const out = new Map<number, number[]>();
  for (const r of await kinesis.readAll(stream)) {
    const [caller, i] = Buffer.from(r.data).toString('utf8').split(':').map(Number) as [number, number];
    out.set(caller, [...(out.get(caller) ?? []), i]);
  }
  return out;
}

describe('group commit', () => {
  it('merges the requests queued behind a call in flight into one PutRecords call', async () => {
    const stream = await newStream();
    const faulty = faultyClient(kinesis, () => ({ kind: 'none' }));
    const writer = createKinesisWriter({ client: faulty.client, streamName: stream, retry: fast });
    const sizes = [3, 5, 1, 7, 2, 4, 6, 8];
    const results = await Promise.all(sizes.map((n, caller) => writer.put(recordsOf(caller, n))));
    expect(results.every((r) => r.ok && r.failed === 0)).toBe(true);
    expect(results.map((r) => r.written)).toEqual(sizes);
    // The first request alone, then the seven that queued behind it together (3 + 33 records).
    expect(faulty.calls).toEqual([3, 33]);
    const stored = await storedByCaller(stream);
    for (const [caller, n] of sizes.entries()) expect([...(stored.get(caller) ?? [])].sort((a, b) => a - b)).toEqual([...Array(n).keys()]);
    faulty.client.destroy();
  });

  it('keeps one person s records in request order inside a merged call', async () => {
    const stream = await newStream();
    const faulty = faultyClient(kinesis, () => ({ kind: 'none' }));
    const writer = createKinesisWriter({ client: faulty.client, streamName: stream, retry: fast });
    // Every caller writes for its own person: per shard, stream order must be each caller's order.
    await Promise.all([0, 1, 2, 3].map((caller) => writer.put(recordsOf(caller, 10, () => `solo-${caller}`))));
    const stored = await storedByCaller(stream);
    for (const caller of [0, 1, 2, 3]) expect(stored.get(caller)).toEqual([...Array(10).keys()]);
    faulty.client.destroy();
  });

  it('never merges past the PutRecords limit of 500 records', async () => {
    const stream = await newStream();
    const faulty = faultyClient(kinesis, () => ({ kind: 'none' }));
    const writer = createKinesisWriter({ client: faulty.client, streamName: stream, retry: fast });
    const results = await Promise.all([200, 300, 250, 240].map((n, caller) => writer.put(recordsOf(caller, n))));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(faulty.calls).toEqual([200, 300, 490]);
    faulty.client.destroy();
  });

  it('maxInFlight Infinity sends every request on its own call (no merging)', async () => {
    const stream = await newStream();
    const faulty = faultyClient(kinesis, () => ({ kind: 'none' }));
    const writer = createKinesisWriter({ client: faulty.client, streamName: stream, retry: fast, maxInFlight: Number.POSITIVE_INFINITY });
    await Promise.all([2, 3, 4].map((n, caller) => writer.put(recordsOf(caller, n))));
    expect([...faulty.calls].sort()).toEqual([2, 3, 4]);
    faulty.client.destroy();
  });

  it('one request s invalid record fails that request alone, not the ones merged with it', async () => {
    const stream = await newStream();
    const faulty = faultyClient(kinesis, () => ({ kind: 'none' }));
    const writer = createKinesisWriter({ client: faulty.client, streamName: stream, retry: fast });
    // kinesalite refuses the whole call (ValidationException) for a partition key over 256 characters.
    const poisoned = recordsOf(2, 3, (i) => (i === 1 ? 'x'.repeat(300) : `p-${i}`));
    const results = await Promise.all([recordsOf(0, 2), recordsOf(1, 4), poisoned, recordsOf(3, 5)].map((r) => writer.put(r)));
    expect(results.map((r) => r.ok)).toEqual([true, true, false, true]);
    expect(results[2]!.lastError).toBe('ValidationException');
    const stored = await storedByCaller(stream);
    expect([...stored.keys()].sort()).toEqual([0, 1, 3]);
    expect(stored.get(1)?.length).toBe(4);
    expect(stored.get(3)?.length).toBe(5);
    faulty.client.destroy();
  });

  it('property: with per-record failures in merged calls, every request gets exactly its own records in, once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 25 }), { minLength: 2, maxLength: 6 }),
        fc.array(fc.array(fc.nat(150), { maxLength: 12 }), { minLength: 1, maxLength: 3 }),
        async (sizes, failingPerCall) => {
          const stream = await newStream();
          const faulty = faultyClient(
            kinesis,
            (call, n): Fault =>
              call < failingPerCall.length
                ? {
                    kind: 'partial',
                    fail: [...new Set(failingPerCall[call]!.filter((i) => i < n))].map((index) => ({
                      index,
                      code: index % 2 ? 'InternalFailure' : 'ProvisionedThroughputExceededException',
                    })),
                  }
                : { kind: 'none' },
          );
          const writer = createKinesisWriter({ client: faulty.client, streamName: stream, retry: { ...fast, maxAttempts: 10 } });
          const results = await Promise.all(sizes.map((n, caller) => writer.put(recordsOf(caller, n))));
          faulty.client.destroy();
          expect(results.map((r) => [r.ok, r.written])).toEqual(sizes.map((n) => [true, n]));
          const stored = await storedByCaller(stream);
          for (const [caller, n] of sizes.entries()) {
            // Exactly once: a record re-sent after a per-record failure was not written the first time.
            expect([...(stored.get(caller) ?? [])].sort((a, b) => a - b)).toEqual([...Array(n).keys()]);
          }
        },
      ),
      { numRuns: 12 },
    );
  });
});
