/**
 * Firehose-style buffers under failing deliveries: a failed delivery keeps its records and rejects the
 * flush of every caller whose records it held, so no caller is told "written" for rows that are not.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createStreamBuffers } from '../../local/stream-buffers.js';

const enospc = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
const b = (s: string) => Buffer.from(s);
const HOUR = 3_600_000;

/** A deliver function that fails while `failing` is set and records what it wrote. */
function recorder() {
  const state = { failing: false, written: [] as string[], attempts: 0 };
  const deliver = async (_stream: string, records: Buffer[]) => {
    state.attempts++;
    await Promise.resolve();
    if (state.failing) throw enospc();
    state.written.push(...records.map((r) => r.toString()));
  };
  return { state, deliver };
}

describe('stream buffers: failed deliveries', () => {
  it('rejects the flush of both callers whose rows shared the failed buffer, and keeps the rows for the next flush', async () => {
    const { state, deliver } = recorder();
    const buffers = createStreamBuffers({ maxBytes: 1 << 20, maxAgeMs: HOUR }, deliver);
    // Two shards' handlers buffer rows for the same delivery stream, then each flushes.
    await buffers.add('events', [b('shard0-a'), b('shard0-b')]);
    await buffers.add('events', [b('shard1-a')]);
    state.failing = true;
    const [first, second] = await Promise.allSettled([buffers.flushAll(), buffers.flushAll()]);
    expect(first.status).toBe('rejected');
    // The second caller's rows were in the buffer the first caller's flush took: it must not succeed.
    expect(second.status).toBe('rejected');
    expect((second as PromiseRejectedResult).reason).toMatchObject({ code: 'ENOSPC' });
    expect(state.written).toEqual([]);
    expect(buffers.status()).toMatchObject({ records: 3, failing: true, lastError: { code: 'ENOSPC' } });

    state.failing = false;
    await buffers.flushAll();
    expect(state.written).toEqual(['shard0-a', 'shard0-b', 'shard1-a']);
    expect(buffers.status()).toMatchObject({ records: 0, bytes: 0, failing: false });
  });

  it('a flush waits for a delivery already under way that holds its rows, and fails with it', async () => {
    const { state, deliver } = recorder();
    // The size hint makes the second add start a delivery of everything buffered.
    const buffers = createStreamBuffers({ maxBytes: 10, maxAgeMs: HOUR }, deliver);
    await buffers.add('events', [b('aaaaa')]);
    state.failing = true;
    const filling = buffers.add('events', [b('bbbbb')]); // starts the delivery; keeps the rows on failure
    const flushed = buffers.flushAll();
    await expect(flushed).rejects.toMatchObject({ code: 'ENOSPC' });
    await filling; // the records stay buffered: accepting them was not wrong
    state.failing = false;
    await buffers.flushAll();
    expect(state.written).toEqual(['aaaaa', 'bbbbb']);
  });

  it('refuses new records beyond the backlog bound with a typed error, and takes them again once written', async () => {
    const { state, deliver } = recorder();
    const buffers = createStreamBuffers({ maxBytes: 1 << 20, maxAgeMs: HOUR, maxBacklogBytes: 8 }, deliver);
    await buffers.add('events', [b('12345678')]);
    await expect(buffers.add('events', [b('9')])).rejects.toMatchObject({ code: 'BufferBacklogFull' });
    await buffers.flushAll();
    await buffers.add('events', [b('9')]);
    await buffers.flushAll();
    expect(state.written).toEqual(['12345678', '9']);
  });

  it('property: whatever the failures, every record is written exactly once after deliveries succeed', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.record({ op: fc.constant('add' as const), stream: fc.constantFrom('s1', 's2'), n: fc.integer({ min: 1, max: 3 }) }),
            fc.record({ op: fc.constant('flush' as const) }),
            fc.record({ op: fc.constant('fail' as const), on: fc.boolean() }),
            fc.record({ op: fc.constant('tick' as const) }),
          ),
          { maxLength: 30 },
        ),
        async (ops) => {
          const written = new Map<string, string[]>();
          let failing = false;
          let everFailed = false;
          const buffers = createStreamBuffers({ maxBytes: 12, maxAgeMs: HOUR }, async (stream, records) => {
            await Promise.resolve();
            if (failing) throw enospc();
            written.set(stream, [...(written.get(stream) ?? []), ...records.map((r) => r.toString())]);
          });
          const sent = new Map<string, string[]>();
          let next = 0;
          const pending: Promise<unknown>[] = [];
          for (const o of ops) {
            if (o.op === 'add') {
              const recs = Array.from({ length: o.n }, () => `r${next++}`);
              sent.set(o.stream, [...(sent.get(o.stream) ?? []), ...recs]);
              pending.push(buffers.add(o.stream, recs.map(b)));
            } else if (o.op === 'flush') {
              const before = new Map([...sent].map(([k, v]) => [k, v.length]));
              pending.push(
                buffers.flushAll().then(
                  () => {
                    // A flush that resolved covered everything added before it.
                    for (const [k, n] of before) expect((written.get(k) ?? []).length).toBeGreaterThanOrEqual(n);
                  },
                  () => expect(everFailed).toBe(true),
                ),
              );
            } else if (o.op === 'fail') {
              failing = o.on;
              everFailed ||= o.on;
            } else await new Promise((r) => setImmediate(r));
          }
          await Promise.allSettled(pending);
          failing = false;
          await buffers.flushAll();
          for (const [k, recs] of sent) expect([...(written.get(k) ?? [])].sort()).toEqual([...recs].sort());
          for (const k of written.keys()) expect(sent.has(k)).toBe(true);
        },
      ),
      { numRuns: 200, seed: 12 },
    );
  });
});
