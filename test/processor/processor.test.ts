/**
 * The processor end to end on real SDK clients: dynalite for identity, the local Firehose endpoint
 * for outputs. Fault injection only for what the stand-ins cannot produce (Firehose per-record failures, a
 * DynamoDB throttle shaped like the real error).
 */

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { describe, expect, it } from 'vitest';
import { localConfig, type ProcessorConfig } from '../../lambdas/processor/config.js';
import { createProcessor } from '../../lambdas/processor/handler.js';
import { EVENTS_COLUMNS } from '../../schemas/lake.js';
import { envelope, kEvent, kRecord, rejected, STREAMS } from './helpers.js';
import { useProcessorBackends } from './processor-backends.js';

const backends = useProcessorBackends('identity_proc');
const { sink } = backends;

async function processor(overrides: Partial<ProcessorConfig> = {}, dynamoClient?: DynamoDBClient) {
  const table = await backends.table();
  return createProcessor({
    dynamo: dynamoClient ?? backends.dynamo().client,
    firehose: backends.firehose().client,
    config: localConfig({ streams: STREAMS, identityTable: table, hashKey: 'test-key', ...overrides }),
    now: () => new Date('2026-03-01T10:00:05.000Z'),
    firehoseRetry: { baseDelayMs: 1, maxDelayMs: 5 },
  });
}

const events = backends.events;
const changes = backends.changes;
const failed = backends.failed;

describe('processor', () => {
  it('enriches, stitches and delivers one JSON line per record with exactly the lake columns', async () => {
    const p = await processor();
    const batch = kEvent([
      kRecord(
        envelope({
          type: 'page',
          messageId: 'e1',
          anonymousId: 'anon-1',
          context: { page: { url: 'https://shop.example/?utm_medium=email&utm_source=crm' } },
        }),
      ),
      kRecord(
        envelope({
          type: 'identify',
          messageId: 'e2',
          anonymousId: 'anon-1',
          userId: 'u-1',
          traits: { email: 'Ann@Example.com', phone: '+1 415 555 2671' },
        }),
      ),
      kRecord(
        envelope({
          type: 'track',
          event: 'Order Completed',
          messageId: 'e3',
          userId: 'u-1',
          properties: { order_id: 'o1', revenue: 30, currency: 'USD' },
        }),
      ),
    ]);
    const res = await p.handle(batch);
    expect(res.batchItemFailures).toEqual([]);
    const rows = events();
    expect(rows.map((r) => r.message_id)).toEqual(['e1', 'e2', 'e3']);
    // Packed: newline-delimited JSON rows, each record within Firehose's 5 KB billing unit.
    for (const record of sink.lines.get(STREAMS.events)!) {
      expect(record.endsWith('}\n')).toBe(true);
      expect(Buffer.byteLength(record)).toBeLessThanOrEqual(5 * 1024);
    }
    const columns = [...EVENTS_COLUMNS.map((c) => c.name), 'event_date'].sort();
    for (const r of rows) expect(Object.keys(r).sort()).toEqual(columns);
    // e1 was stamped with the anonymous person; identify merged it into the user's person.
    expect(rows[0]!.person_id).not.toBe(rows[1]!.person_id);
    expect(rows[1]!.person_id).toBe(rows[2]!.person_id);
    expect(rows[0]!.touchpoint_channel).toBe('email');
    const merges = changes();
    expect(
      merges.some((c) => c.from_person_id === rows[0]!.person_id && c.to_person_id === rows[1]!.person_id && c.reason === 'identify'),
    ).toBe(true);
    // No raw personal data anywhere in what left the processor.
    const all = [...sink.lines.values()].flat().join('');
    expect(all).not.toMatch(/ann@example\.com|555 2671|4155552671/i);
  });

  it('poison records become typed failed events and never fail the batch', async () => {
    const p = await processor();
    const res = await p.handle(
      kEvent([
        kRecord('{not json'),
        kRecord({
          v: 1,
          kind: 'event',
          source: { id: 's', name: 's' },
          receivedAt: '2026-03-01T10:00:00Z',
          event: { type: 'bogus', messageId: 'bad-1', userId: 'x', traits: { email: 'leak@example.com' } },
        }),
        kRecord(rejected('{"type":"track","email":"leak2@example.com"}')),
        kRecord({ hello: 'world' }),
        kRecord(envelope({ type: 'track', event: 'Fine', messageId: 'ok-1', userId: 'u' })),
      ]),
    );
    expect(res.batchItemFailures).toEqual([]);
    expect(failed().map((f) => [f.stage, f.reason])).toEqual([
      ['processor', 'bad_json'],
      ['processor', 'schema_violation'],
      ['collector', 'schema_violation'],
      ['processor', 'schema_violation'],
    ]);
    expect(failed()[0]!.raw).toBe('{not json');
    expect(failed()[1]!.message_id).toBe('bad-1');
    expect(JSON.stringify(failed())).not.toContain('leak');
    expect(events().map((e) => e.message_id)).toEqual(['ok-1']);
  });

  it('consent: strip keeps an anonymous row; drop keeps only a counted failure without payload', async () => {
    const denied = { consent: { categoryPreferences: { Analytics: false } } };
    const strip = await processor();
    await strip.handle(kEvent([kRecord(envelope({ type: 'track', event: 'X', messageId: 'c1', userId: 'u', context: denied }))]));
    expect(events()[0]).toMatchObject({ identifiers_stripped: true, person_id: null, user_id: null });
    expect(changes()).toEqual([]);
    sink.lines.clear();
    const drop = await processor({ consent: { mode: 'drop', categories: ['analytics'] } });
    await drop.handle(kEvent([kRecord(envelope({ type: 'track', event: 'X', messageId: 'c2', userId: 'u', context: denied }))]));
    expect(events()).toEqual([]);
    expect(failed()).toMatchObject([{ reason: 'consent_denied', raw: null, message_id: 'c2' }]);
  });

  it('Firehose partial failure: only the failed records are sent again, nothing lost, nothing duplicated', async () => {
    const p = await processor();
    const records = Array.from({ length: 20 }, (_, i) =>
      kRecord(envelope({ type: 'track', event: 'T', messageId: `f${i}`, anonymousId: `a${i}` })),
    );
    backends.firehose().inject.failNextRecords(7);
    const res = await p.handle(kEvent(records));
    expect(res.batchItemFailures).toEqual([]);
    expect(
      events()
        .map((e) => e.message_id)
        .sort(),
    ).toEqual(records.map((_, i) => `f${i}`).sort());
    expect(backends.firehose().stats.recordsFailed).toBeGreaterThanOrEqual(7);
    expect(p.stats.firehosePutCalls).toBeGreaterThanOrEqual(2);
  });

  it('an undeliverable record fails its Kinesis record and everything after it, not what came before', async () => {
    const p = await processor({ firehosePackBytes: 0 });
    const records = Array.from({ length: 6 }, (_, i) =>
      kRecord(envelope({ type: 'track', event: 'T', messageId: `d${i}`, anonymousId: `a${i}` })),
    );
    backends.firehose().inject.failRecordsMatching((_s, data) => data.toString().includes('"message_id":"d3"'));
    const res = await p.handle(kEvent(records));
    expect(res.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(records.slice(3).map((r) => r.kinesis.sequenceNumber));
    // Kinesis redelivers from d3 once the sink recovers: the retried batch succeeds, d4/d5 arrive twice (deduplicated by message_id downstream).
    backends.firehose().inject.reset();
    const retry = await p.handle(kEvent(records.slice(3)));
    expect(retry.batchItemFailures).toEqual([]);
    expect(new Set(events().map((e) => e.message_id))).toEqual(new Set(records.map((_, i) => `d${i}`)));
  });

  it('packs rows into <= 5 KB Firehose records; an undeliverable packed record fails from its lowest row', async () => {
    const p = await processor();
    const records = Array.from({ length: 12 }, (_, i) =>
      kRecord(envelope({ type: 'track', event: 'T', messageId: `pk${i}`, anonymousId: `pa${i}`, properties: { note: 'x'.repeat(600) } })),
    );
    await p.handle(kEvent(records));
    const firehoseRecords = sink.lines.get(STREAMS.events)!;
    expect(events().map((e) => e.message_id)).toEqual(records.map((_, i) => `pk${i}`));
    expect(firehoseRecords.length).toBeLessThan(12);
    for (const r of firehoseRecords) expect(Buffer.byteLength(r)).toBeLessThanOrEqual(5 * 1024);
    // The record holding pk7 also holds its neighbours: Kinesis must resume from the first of them.
    sink.lines.clear();
    const q = await processor();
    backends.firehose().inject.failRecordsMatching((_s, data) => data.toString().includes('"message_id":"pk7"'));
    const res = await q.handle(kEvent(records));
    const failedFrom = records.findIndex((r) => r.kinesis.sequenceNumber === res.batchItemFailures[0]!.itemIdentifier);
    const packedWithPk7 = firehoseRecords.find((r) => r.includes('"message_id":"pk7"'))!;
    const firstInIt = Number(/"message_id":"pk(\d+)"/.exec(packedWithPk7)![1]);
    expect(failedFrom).toBe(firstInIt);
    expect(res.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(records.slice(firstInIt).map((r) => r.kinesis.sequenceNumber));
  });

  it('a throttled identity store fails the record where it happened and the rest, then the retry completes', async () => {
    let throttle = false;
    const client = new DynamoDBClient({
      endpoint: backends.dynamo().endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'l', secretAccessKey: 'l' },
      requestHandler: new NodeHttpHandler(),
      maxAttempts: 1,
    });
    client.middlewareStack.add(
      (next) => async (args) => {
        if (throttle) {
          throw Object.assign(new Error('The level of configured provisioned throughput for the table was exceeded.'), {
            name: 'ProvisionedThroughputExceededException',
            $fault: 'client',
            $metadata: { httpStatusCode: 400 },
          });
        }
        return next(args);
      },
      { step: 'initialize', name: 'injectThrottle' },
    );
    const p = await processor({}, client);
    const records = [
      kRecord(envelope({ type: 'track', event: 'T', messageId: 't0', anonymousId: 'z0' })),
      kRecord(envelope({ type: 'identify', messageId: 't1', anonymousId: 'z1', userId: 'uz' })),
      kRecord(envelope({ type: 'track', event: 'T', messageId: 't2', anonymousId: 'z2' })),
    ];
    await p.handle(kEvent(records.slice(0, 1)));
    throttle = true;
    const res = await p.handle(kEvent(records.slice(1)));
    expect(res.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(records.slice(1).map((r) => r.kinesis.sequenceNumber));
    expect(events().map((e) => e.message_id)).toEqual(['t0']);
    throttle = false;
    expect((await p.handle(kEvent(records.slice(1)))).batchItemFailures).toEqual([]);
    expect(events().map((e) => e.message_id)).toEqual(['t0', 't1', 't2']);
  });

  it('replaying a batch yields the same rows, the same change ids, and no new identity writes', async () => {
    const p = await processor();
    const batch = kEvent([
      kRecord(envelope({ type: 'page', messageId: 'r1', anonymousId: 'ra' })),
      kRecord(
        envelope({ type: 'identify', messageId: 'r2', anonymousId: 'ra', userId: 'ru', context: { identifiers: { loyaltyId: 'L1' } } }),
      ),
    ]);
    await p.handle(batch);
    const first = {
      ev: events().map((e) => [e.message_id, e.person_id]),
      ch: changes()
        .map((c) => c.change_id)
        .sort(),
    };
    const writes = p.identity.stats.updateCalls;
    sink.lines.clear();
    await p.handle(batch);
    expect(events().map((e) => [e.message_id, e.person_id])).toEqual([
      ['r1', first.ev[1]![1]], // the anonymous page view now carries the merged person
      ['r2', first.ev[1]![1]],
    ]);
    expect(
      changes()
        .map((c) => c.change_id)
        .sort(),
    ).toEqual(first.ch);
    expect(p.identity.stats.updateCalls).toBe(writes);
  });
});
