/**
 * The collector refuses events dated before the lake's earliest date on every route, /v1/import
 * included: written, they would sit in a partition the projection never enumerates. Hand-picked
 * boundary instants: the first millisecond of the earliest day is accepted, the one before refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalKinesis } from '../../local/kinesis.js';
import { EARLIEST_EVENT_DATE } from '../../schemas/index.js';
import { type Harness, startHarness, startKinesis } from './harness.js';

let kinesis: LocalKinesis;
let h: Harness;
let configured: Harness;
beforeAll(async () => {
  kinesis = await startKinesis();
  h = await startHarness(kinesis);
  configured = await startHarness(kinesis, { config: { limits: { earliestEventDate: '2025-01-01' } } });
});
afterAll(async () => {
  await h.close();
  await configured.close();
  await kinesis.close();
});

const ev = (messageId: string, timestamp: string) => ({ type: 'track', userId: 'u-1', event: 'Ordered', messageId, timestamp });

describe('earliest accepted event date', () => {
  it('/v1/import: the day before the earliest date is refused with a reason, the earliest day accepted', async () => {
    expect(EARLIEST_EVENT_DATE).toBe('2024-01-01');
    const res = await h.post('/v1/import', {
      batch: [ev('before', '2023-12-31T23:59:59.999Z'), ev('first', '2024-01-01T00:00:00.000Z'), ev('ancient', '2015-06-01T10:00:00Z')],
    });
    expect(res.status).toBe(200);
    expect(res.json.accepted).toBe(1);
    expect(res.json.rejected).toEqual([
      { index: 0, messageId: 'before', reason: 'timestamp_out_of_range', detail: expect.stringContaining('2024-01-01') },
      { index: 2, messageId: 'ancient', reason: 'timestamp_out_of_range', detail: expect.stringContaining('2024-01-01') },
    ]);
    const kinds = (await h.envelopes()).map((e) => [e.kind, e.kind === 'event' ? e.event.messageId : e.messageId]);
    expect(kinds).toEqual(
      expect.arrayContaining([
        ['rejected', 'before'],
        ['event', 'first'],
        ['rejected', 'ancient'],
      ]),
    );
  });

  it('a single-event route answers 400 timestamp_out_of_range', async () => {
    const res = await h.post('/v1/track', ev('single-old', '2019-05-05T00:00:00Z'));
    expect(res.status).toBe(400);
    expect(res.json.error.reason).toBe('timestamp_out_of_range');
  });

  it('the configured earliest date is the bound', async () => {
    const res = await configured.post('/v1/import', { batch: [ev('c-old', '2024-12-31T12:00:00Z'), ev('c-new', '2025-01-01T00:00:00Z')] });
    expect(res.json.accepted).toBe(1);
    expect(res.json.rejected.map((r: { messageId: string }) => r.messageId)).toEqual(['c-old']);
  });
});
