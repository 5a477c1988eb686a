/**
 * What the processor does when Firehose does not take its rows, on real SDK clients (dynalite for
 * identity, the local Firehose endpoint with its fault injection, the processor's own single-attempt
 * Firehose client): a transient or call-level failure fails the batch from the first affected Kinesis
 * record and dead-letters nothing; only a row Firehose can never take becomes a failed_events row.
 */

import type { FirehoseClient } from '@aws-sdk/client-firehose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localConfig, type ProcessorConfig } from '../../lambdas/processor/config.js';
import { createProcessor } from '../../lambdas/processor/processor.js';
import { createFirehoseClient } from '../../lambdas/shared/clients/firehose.js';
import { DEFAULT_MAX_ATTEMPTS } from '../../lambdas/shared/retry.js';
import { envelope, kEvent, kRecord, STREAMS } from './helpers.js';
import { useProcessorBackends } from './processor-backends.js';

const backends = useProcessorBackends('identity_delivery');
const { sink } = backends;
let firehose: FirehoseClient;

beforeAll(() => {
  firehose = createFirehoseClient({ endpoint: backends.firehose().endpoint }, {});
});
afterAll(() => firehose.destroy());

async function processor(overrides: Partial<ProcessorConfig> = {}, maxRecordBytes?: number) {
  const table = await backends.table();
  return createProcessor({
    dynamo: backends.dynamo().client,
    firehose,
    config: localConfig({ streams: STREAMS, identityTable: table, hashKey: 'test-key', ...overrides }),
    now: () => new Date('2026-03-01T10:00:05.000Z'),
    firehoseRetry: { baseDelayMs: 0, maxDelayMs: 0, ...(maxRecordBytes ? { maxRecordBytes } : {}) },
  });
}

const events = backends.events;
const failed = backends.failed;
const seqs = (records: ReturnType<typeof kRecord>[]) => records.map((r) => r.kinesis.sequenceNumber);

/** Two people over five records: an anonymous visit, an identify, purchases. */
function journey(prefix: string) {
  return [
    kRecord(envelope({ type: 'page', messageId: `${prefix}1`, anonymousId: `${prefix}-anon` })),
    kRecord(envelope({ type: 'identify', messageId: `${prefix}2`, anonymousId: `${prefix}-anon`, userId: `${prefix}-u1` })),
    kRecord(envelope({ type: 'track', event: 'Order Completed', messageId: `${prefix}3`, userId: `${prefix}-u1` })),
    kRecord(envelope({ type: 'track', event: 'Viewed', messageId: `${prefix}4`, anonymousId: `${prefix}-other` })),
    kRecord(envelope({ type: 'track', event: 'Order Completed', messageId: `${prefix}5`, userId: `${prefix}-u1` })),
  ];
}

describe('transient Firehose failures fail the batch, never dead-letter', () => {
  it('an outage past the attempt budget reports every record from the first; nothing goes to failed_events', async () => {
    const p = await processor();
    const records = journey('o');
    backends.firehose().inject.failNextCalls(1_000);
    const before = backends.firehose().stats.calls;
    const res = await p.handle(kEvent(records));
    expect(res.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(seqs(records));
    expect(failed()).toEqual([]);
    expect(events()).toEqual([]);
    expect(p.stats.failed).toEqual({});
    // One retry layer: the processor's count is the endpoint's count, the budget per stream chunk.
    const calls = backends.firehose().stats.calls - before;
    expect(p.stats.firehoseHttpCalls).toBe(calls);
    expect(p.stats.firehosePutCalls).toBe(calls);
    expect(calls % DEFAULT_MAX_ATTEMPTS).toBe(0);

    // The event source retries from the checkpoint once Firehose is back: every event lands with its
    // identifiers and the person it belongs to.
    backends.firehose().inject.reset();
    const retry = await p.handle(kEvent(records));
    expect(retry.batchItemFailures).toEqual([]);
    expect(failed()).toEqual([]);
    const rows = events();
    expect(rows.map((e) => e.message_id)).toEqual(['o1', 'o2', 'o3', 'o4', 'o5']);
    const byId = new Map(rows.map((e) => [e.message_id, e]));
    expect(byId.get('o3')!.user_id).toBe('o-u1');
    expect(byId.get('o1')!.anonymous_id).toBe('o-anon');
    expect(new Set(['o2', 'o3', 'o5'].map((id) => byId.get(id)!.person_id)).size).toBe(1);
  });

  it('per-record throttling of the lake (a sink that cannot write) also fails the batch, not the events', async () => {
    const p = await processor({ firehosePackBytes: 0 });
    const records = journey('s');
    backends
      .firehose()
      .inject.failRecordsMatching((stream, data) => stream === STREAMS.events && data.toString().includes('"message_id":"s3"'));
    const res = await p.handle(kEvent(records));
    // s1, s2 are complete; s3 and everything after it are retried, in order.
    expect(res.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(seqs(records.slice(2)));
    expect(failed()).toEqual([]);
  });

  it('a blip inside the budget is absorbed: no batch failure, nothing duplicated', async () => {
    const p = await processor();
    const records = journey('b');
    backends.firehose().inject.failNextCalls(DEFAULT_MAX_ATTEMPTS - 1, { status: 400, code: 'ThrottlingException' });
    const res = await p.handle(kEvent(records));
    expect(res.batchItemFailures).toEqual([]);
    expect(events().map((e) => e.message_id)).toEqual(['b1', 'b2', 'b3', 'b4', 'b5']);
  });

  it('a call-level refusal (missing delivery stream) fails the batch and dead-letters nothing', async () => {
    const p = await processor({ streams: { ...STREAMS, events: 'tl-events-missing' } });
    const records = journey('m');
    const res = await p.handle(kEvent(records));
    expect(res.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(seqs(records));
    expect(failed()).toEqual([]);
  });
});

describe('rows Firehose can never take', () => {
  it('become one delivery_failed row for their Kinesis record, and the shard moves on', async () => {
    const p = await processor({ firehosePackBytes: 0 }, 3_000);
    const records = [
      kRecord(envelope({ type: 'track', event: 'T', messageId: 'r1', anonymousId: 'ra' })),
      kRecord(envelope({ type: 'track', event: 'T', messageId: 'r2', anonymousId: 'ra', properties: { note: 'x'.repeat(4_000) } })),
      kRecord(envelope({ type: 'track', event: 'T', messageId: 'r3', anonymousId: 'ra' })),
    ];
    const res = await p.handle(kEvent(records));
    expect(res.batchItemFailures).toEqual([]);
    expect(events().map((e) => e.message_id)).toEqual(['r1', 'r3']);
    const f = failed();
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ reason: 'delivery_failed', stage: 'processor', message_id: 'r2', raw_truncated: true });
    expect(f[0]!.detail).toMatch(/^RecordTooLarge: tl-events row of \d+ bytes/);
    expect(p.stats.failed).toEqual({ delivery_failed: 1 });

    // A replay of the same Kinesis record gives the same failure_id (deduplicated downstream).
    sink.lines.clear();
    await p.handle(kEvent([records[1]!]));
    expect(failed().map((x) => x.failure_id)).toEqual([f[0]!.failure_id]);
  });

  it('if that failed_events row cannot be written either, its Kinesis record fails instead of vanishing', async () => {
    const p = await processor({ firehosePackBytes: 0 }, 3_000);
    const records = [
      kRecord(envelope({ type: 'track', event: 'T', messageId: 'w1', anonymousId: 'wa' })),
      kRecord(envelope({ type: 'track', event: 'T', messageId: 'w2', anonymousId: 'wa', properties: { note: 'x'.repeat(4_000) } })),
      kRecord(envelope({ type: 'track', event: 'T', messageId: 'w3', anonymousId: 'wa' })),
    ];
    backends.firehose().inject.failRecordsMatching((stream) => stream === STREAMS.failed);
    const res = await p.handle(kEvent(records));
    expect(res.batchItemFailures.map((x) => x.itemIdentifier)).toEqual(seqs(records.slice(1)));
    expect(failed()).toEqual([]);
  });
});
