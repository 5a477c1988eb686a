/** lambdas/shared/retry.ts and the PutRecords chunking: hand-computed cases and properties. */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chunkRecords } from '../../lambdas/collector/kinesis-writer.js';
import { backoffDelay, type ItemOutcome, isRetryableError, retryPartialBatch } from '../../lambdas/shared/retry.js';
import { throttled } from './faults.js';

const noSleep = async () => {};

describe('backoffDelay (full jitter)', () => {
  it('is random(0, min(cap, base * 2^n))', () => {
    expect(backoffDelay(0, 50, 2000, () => 0.999)).toBe(49);
    expect(backoffDelay(3, 50, 2000, () => 0.5)).toBe(200); // 0.5 * 400
    expect(backoffDelay(10, 50, 2000, () => 0.5)).toBe(1000); // capped at 2000
    expect(backoffDelay(4, 50, 2000, () => 0)).toBe(0);
  });
});

describe('isRetryableError', () => {
  it('throttling, 5xx and network errors are retryable; client errors are not', () => {
    expect(isRetryableError(throttled())).toBe(true);
    expect(isRetryableError({ name: 'InternalFailure' })).toBe(true);
    expect(isRetryableError({ name: 'X', $metadata: { httpStatusCode: 503 } })).toBe(true);
    expect(isRetryableError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isRetryableError({ name: 'ResourceNotFoundException', $metadata: { httpStatusCode: 400 } })).toBe(false);
    expect(isRetryableError({ name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } })).toBe(false);
    expect(isRetryableError(new Error('bug'))).toBe(false);
  });
});

describe('retryPartialBatch', () => {
  it('re-sends only failed items until delivered', async () => {
    const sent: string[][] = [];
    const failOnce = new Set(['b', 'd']);
    const out = await retryPartialBatch(
      ['a', 'b', 'c', 'd'],
      async (batch) => {
        sent.push(batch);
        return batch.map(
          (x): ItemOutcome => (failOnce.delete(x) ? { ok: false, code: 'ProvisionedThroughputExceededException' } : { ok: true }),
        );
      },
      { sleep: noSleep },
    );
    expect(sent).toEqual([
      ['a', 'b', 'c', 'd'],
      ['b', 'd'],
    ]);
    expect(out).toEqual({ delivered: 4, failed: [], attempts: 2 });
  });

  it('stops at maxAttempts and reports what is left with its last code', async () => {
    const out = await retryPartialBatch(
      [1, 2, 3],
      async (b) => b.map((x): ItemOutcome => (x === 2 ? { ok: false, code: 'InternalFailure' } : { ok: true })),
      {
        maxAttempts: 3,
        sleep: noSleep,
      },
    );
    expect(out).toEqual({ delivered: 2, failed: [{ item: 2, code: 'InternalFailure' }], attempts: 3 });
  });

  it('stops when the next wait would exceed the time budget', async () => {
    let t = 0;
    const waits: number[] = [];
    const out = await retryPartialBatch(['x'], async () => [{ ok: false, code: 'ProvisionedThroughputExceededException' }], {
      maxAttempts: 100,
      baseDelayMs: 100,
      maxDelayMs: 10_000,
      timeBudgetMs: 1_000,
      random: () => 1, // worst case: 100, 200, 400, 800 ...
      now: () => t,
      sleep: async (ms) => {
        waits.push(ms);
        t += ms;
      },
    });
    // 100 + 200 + 400 = 700 <= 1000; the next (800) would end at 1500.
    expect(waits).toEqual([100, 200, 400]);
    expect(out.attempts).toBe(4);
    expect(out.failed).toHaveLength(1);
  });

  it('retries a thrown retryable error for all items, and gives up at once on a permanent one', async () => {
    let calls = 0;
    const ok = await retryPartialBatch(
      [1, 2],
      async (b) => {
        if (calls++ < 2) throw throttled();
        return b.map((): ItemOutcome => ({ ok: true }));
      },
      { sleep: noSleep },
    );
    expect(ok).toEqual({ delivered: 2, failed: [], attempts: 3 });
    const permanent = await retryPartialBatch(
      [1, 2],
      async () => {
        throw Object.assign(new Error('no stream'), { name: 'ResourceNotFoundException', $metadata: { httpStatusCode: 400 } });
      },
      { sleep: noSleep },
    );
    expect(permanent.attempts).toBe(1);
    expect(permanent.failed.map((f) => f.code)).toEqual(['ResourceNotFoundException', 'ResourceNotFoundException']);
  });

  it('treats a response that does not line up with the request as a failure of the whole attempt', async () => {
    const out = await retryPartialBatch([1, 2], async () => [{ ok: true }], { maxAttempts: 2, sleep: noSleep });
    expect(out.delivered).toBe(0);
    expect(out.failed.map((f) => f.code)).toEqual(['MismatchedResponse', 'MismatchedResponse']);
  });

  it('property: every item is delivered exactly once or reported failed, never both', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(fc.boolean(), { maxLength: 40 }), { maxLength: 8 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 8 }),
        async (pattern, n, maxAttempts) => {
          const items = Array.from({ length: n }, (_, i) => i);
          const deliveredCount = new Map<number, number>();
          let call = 0;
          const out = await retryPartialBatch(
            items,
            async (batch) => {
              const fails = pattern[call++] ?? [];
              return batch.map((x, i): ItemOutcome => {
                if (fails[i]) return { ok: false, code: 'ProvisionedThroughputExceededException' };
                deliveredCount.set(x, (deliveredCount.get(x) ?? 0) + 1);
                return { ok: true };
              });
            },
            { maxAttempts, sleep: noSleep },
          );
          expect(out.delivered + out.failed.length).toBe(n);
          expect([...deliveredCount.values()].every((c) => c === 1)).toBe(true);
          for (const f of out.failed) expect(deliveredCount.has(f.item)).toBe(false);
          expect(out.attempts).toBeLessThanOrEqual(maxAttempts);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('chunkRecords (PutRecords limits)', () => {
  const rec = (bytes: number, key = 'k') => ({ partitionKey: key, data: new Uint8Array(bytes) });
  it('<= 500 records per call', () => {
    expect(chunkRecords(Array.from({ length: 1001 }, () => rec(10))).map((c) => c.length)).toEqual([500, 500, 1]);
  });
  it('<= 5 MB per call, counting data and partition keys', () => {
    // 1,000,000 + 1 bytes each: 5 fit in 5,242,880; a 6th would make 6,000,006.
    expect(chunkRecords(Array.from({ length: 12 }, () => rec(1_000_000))).map((c) => c.length)).toEqual([5, 5, 2]);
    // Exactly 5 MB fits.
    expect(chunkRecords([rec(5 * 1024 * 1024 - 2, 'ab')]).length).toBe(1);
    expect(chunkRecords([rec(2 * 1024 * 1024, 'a'), rec(3 * 1024 * 1024 - 2, 'a')]).map((c) => c.length)).toEqual([2]);
    expect(chunkRecords([rec(2 * 1024 * 1024, 'a'), rec(3 * 1024 * 1024, 'a')]).map((c) => c.length)).toEqual([1, 1]);
  });
  it('property: order kept, nothing lost, every chunk within limits', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 400_000 }), { maxLength: 700 }), (sizes) => {
        // Only byteLength matters to the chunker: no need to allocate hundreds of MB.
        const records = sizes.map((s, i) => ({ partitionKey: `k${i}`, data: { byteLength: s } as Uint8Array }));
        const chunks = chunkRecords(records);
        expect(chunks.flat()).toEqual(records);
        for (const c of chunks) {
          expect(c.length).toBeLessThanOrEqual(500);
          expect(c.reduce((n, r) => n + r.data.byteLength + r.partitionKey.length, 0)).toBeLessThanOrEqual(5 * 1024 * 1024);
        }
      }),
      { numRuns: 50 },
    );
  });
});
