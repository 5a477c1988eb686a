/**
 * Every refusal of the collector, through HTTP on loopback, with the stream read back: request-level
 * refusals write nothing; event-level rejections are answered (index, messageId, reason) AND written to
 * the stream as RejectedEnvelope with the raw payload, while the valid events of the same batch are
 * accepted.
 */

import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalKinesis } from '../../local/kinesis.js';
import type { CollectedEnvelope, RejectedEnvelope } from '../../schemas/envelope.js';
import { type Harness, startHarness, startKinesis } from './harness.js';

let kinesis: LocalKinesis;
let h: Harness;
beforeAll(async () => {
  kinesis = await startKinesis();
  h = await startHarness(kinesis);
});
afterAll(async () => {
  await h.close();
  await kinesis.close();
});

const ok = (extra: Record<string, unknown> = {}) => ({ type: 'track', userId: 'u-1', event: 'Clicked', ...extra });
const EMAIL = 'grace.hopper@example.com';

async function streamCount() {
  return (await h.records()).length;
}

function expectError(res: { status: number; json: any }, status: number, reason: string) {
  expect(res.status).toBe(status);
  expect(res.json.error.reason).toBe(reason);
  expect(typeof res.json.error.message).toBe('string');
}

describe('request-level refusals (nothing written)', () => {
  it('401 without a key, with an unknown key in the header, and with an unknown key in the body', async () => {
    const before = await streamCount();
    expectError(await h.post('/v1/track', ok(), { key: null }), 401, 'unauthorized');
    expectError(await h.post('/v1/track', ok(), { key: 'tl_not_a_key' }), 401, 'unauthorized');
    expectError(await h.post('/v1/track', ok({ writeKey: 'tl_not_a_key' }), { key: null }), 401, 'unauthorized');
    expect(await streamCount()).toBe(before);
  });

  it('accepts the key in the body and never stores it', async () => {
    const res = await h.post(
      '/v1/batch',
      { writeKey: h.writeKey, batch: [ok({ messageId: 'body-key-1', writeKey: h.writeKey })] },
      { key: null },
    );
    expect(res.status).toBe(200);
    const stored = (await h.records()).map((r) => Buffer.from(r.data).toString('utf8'));
    expect(stored.some((s) => s.includes('body-key-1'))).toBe(true);
    expect(stored.join('')).not.toContain(h.writeKey);
  });

  it('404 for unknown routes, 405 for wrong methods', async () => {
    expectError(await h.post('/v1/nope', ok()), 404, 'not_found');
    expectError(await h.post('/v1/track', undefined, { method: 'GET' }), 405, 'method_not_allowed');
    expectError(await h.post('/health', ok()), 405, 'method_not_allowed');
  });

  it('413 for a body over 500 KB', async () => {
    const big = { batch: [ok({ properties: { pad: 'x'.repeat(520 * 1024) } })] };
    expectError(await h.post('/v1/batch', big), 413, 'payload_too_large');
  });

  it('413 for a gzip bomb, without inflating it all (<100 KB in, 50 MB inside)', async () => {
    const bomb = gzipSync(
      Buffer.concat([
        Buffer.from('{"batch":[{"type":"track","userId":"u","event":"e","properties":{"p":"'),
        Buffer.alloc(50 * 1024 * 1024, 0x61),
      ]),
    );
    expect(bomb.length).toBeLessThan(100 * 1024);
    const res = await h.post('/v1/batch', bomb, { raw: true, headers: { 'content-encoding': 'gzip' } });
    expectError(res, 413, 'payload_too_large');
  });

  it('413 for a batch of 2,501 events; 2,500 is accepted', async () => {
    const tiny = (i: number) => ({ type: 'track', userId: `u${i % 7}`, event: 'e', messageId: `m${i}` });
    const over = await h.post('/v1/batch', { batch: Array.from({ length: 2501 }, (_, i) => tiny(i)) });
    expectError(over, 413, 'batch_too_large');
    const before = await streamCount();
    const at = await h.post('/v1/batch', { batch: Array.from({ length: 2500 }, (_, i) => tiny(i)) });
    expect(at.status).toBe(200);
    expect(at.json.accepted).toBe(2500);
    expect(await streamCount()).toBe(before + 2500);
  });

  it('400 for malformed JSON, invalid UTF-8, a broken gzip body, and a non-object body', async () => {
    expectError(await h.post('/v1/track', '{"type":"track",', { raw: true }), 400, 'bad_json');
    const invalidUtf8 = Buffer.concat([Buffer.from('{"userId":"u'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('","event":"e"}')]);
    expectError(await h.post('/v1/track', invalidUtf8, { raw: true }), 400, 'bad_encoding');
    expectError(
      await h.post('/v1/batch', Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3]), { raw: true, headers: { 'content-encoding': 'gzip' } }),
      400,
      'bad_encoding',
    );
    expectError(await h.post('/v1/track', '[1,2,3]', { raw: true }), 400, 'schema_violation');
    expectError(await h.post('/v1/track', '', { raw: true }), 400, 'bad_json');
  });

  it('400 for an empty batch and a batch that is not an array', async () => {
    expectError(await h.post('/v1/batch', { batch: [] }), 400, 'empty_batch');
    expectError(await h.post('/v1/batch', { batch: { 0: ok() } }), 400, 'schema_violation');
    expectError(await h.post('/v1/batch', { nothing: true }), 400, 'schema_violation');
  });

  it('415 for an unsupported content-encoding', async () => {
    expectError(await h.post('/v1/track', ok(), { headers: { 'content-encoding': 'compress' } }), 415, 'bad_encoding');
  });
});

describe('event-level rejections (answered and written as RejectedEnvelope)', () => {
  const deep = () => {
    let v: unknown = 'leaf';
    for (let i = 0; i < 40; i++) v = { n: v };
    return v;
  };
  const cases: Array<[string, string, Record<string, unknown>]> = [
    ['wrong type for event name', 'schema_violation', ok({ event: 42 })],
    ['properties as an array', 'schema_violation', ok({ properties: [1, 2] })],
    ['unknown touchpoint channel', 'schema_violation', ok({ context: { touchpoint: { channel: 'carrier_pigeon' } } })],
    [
      'huge properties',
      'event_too_large',
      ok({ properties: Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`k${i}`, 'vvvvvvvvvvvvvvvv'])) }),
    ],
    ['deeply nested properties', 'too_deep', ok({ properties: { a: deep() } })],
    ['no id at all', 'missing_identity', { type: 'track', event: 'Anonymous Thing' }],
    ['far-future timestamp', 'timestamp_out_of_range', ok({ timestamp: '2999-01-01T00:00:00Z' })],
    ['far-past timestamp', 'timestamp_out_of_range', ok({ timestamp: '1990-01-01T00:00:00Z' })],
    ['unparseable timestamp', 'schema_violation', ok({ timestamp: 'yesterday' })],
    ['unknown type', 'schema_violation', { type: 'purchase', userId: 'u' }],
    ['event that is a string', 'schema_violation', 'just a string' as unknown as Record<string, unknown>],
  ];

  it.each(cases)('%s -> %s', async (_name, reason, event) => {
    const bad = typeof event === 'object' ? { ...event, messageId: 'bad-1' } : event;
    const res = await h.post('/v1/batch', { batch: [ok({ messageId: 'good-1' }), bad, ok({ messageId: 'good-2' })] });
    expect(res.status).toBe(200);
    expect(res.json.accepted).toBe(2);
    expect(res.json.rejected).toHaveLength(1);
    expect(res.json.rejected[0].index).toBe(1);
    expect(res.json.rejected[0].reason).toBe(reason);
    if (typeof event === 'object') expect(res.json.rejected[0].messageId).toBe('bad-1');
    const rejected = (await h.envelopes()).filter((e): e is RejectedEnvelope => e.kind === 'rejected' && e.reason === reason);
    expect(rejected.length).toBeGreaterThanOrEqual(1);
  });

  it('single-event route: 400 with the reason, detail names the path but never the value', async () => {
    const res = await h.post('/v1/identify', {
      userId: 'u-9',
      messageId: 'pii-1',
      traits: { email: EMAIL },
      context: { identifiers: { email: 12345 } },
      timestamp: EMAIL,
    });
    expectError(res, 400, 'schema_violation');
    expect(res.json.error.message).toContain('timestamp');
    expect(res.json.error.message).toContain('context.identifiers.email');
    expect(JSON.stringify(res.json)).not.toContain(EMAIL);
    expect(JSON.stringify(res.json)).not.toContain('12345');
    const env = (await h.envelopes()).find((e): e is RejectedEnvelope => e.kind === 'rejected' && e.messageId === 'pii-1')!;
    expect(env.detail).not.toContain(EMAIL);
    // The raw payload is kept (it goes to the failed-events output, not to logs or responses).
    expect(JSON.parse(env.raw).traits.email).toBe(EMAIL);
    expect(env.rawTruncated).toBe(false);
  });

  it.each(['__proto__', 'constructor', 'prototype'])('refuses a %s key anywhere and pollutes nothing', async (key) => {
    const text = `{"batch":[{"type":"track","userId":"u","event":"e","messageId":"fk-${key}","properties":{"nested":{"${key}":{"polluted":true}}}}]}`;
    const res = await h.post('/v1/batch', text, { raw: true });
    expect(res.status).toBe(400);
    expect(res.json.rejected[0]).toMatchObject({ index: 0, reason: 'forbidden_key', messageId: `fk-${key}` });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const top = await h.post('/v1/track', `{"userId":"u","event":"e","${key}":{"x":1}}`, { raw: true });
    expectError(top, 400, 'forbidden_key');
  });

  it('an event just over 32 KB is refused, one just under is accepted', async () => {
    const base = ok({ messageId: 'size-x', properties: { pad: '' } });
    const overhead = Buffer.byteLength(JSON.stringify({ ...base, type: 'track' }));
    const under = await h.post('/v1/track', { ...base, properties: { pad: 'x'.repeat(32 * 1024 - overhead) } });
    expect(under.status).toBe(200);
    const over = await h.post('/v1/track', { ...base, properties: { pad: 'x'.repeat(32 * 1024 - overhead + 1) } });
    expectError(over, 400, 'event_too_large');
  });

  it('/v1/import accepts old history that /v1/batch refuses', async () => {
    // More than 2 years old, yet on or after the lake's earliest date (schemas/limits.ts).
    const old = ok({ messageId: 'old-1', timestamp: '2024-06-01T10:00:00Z' });
    expect((await h.post('/v1/batch', { batch: [old] })).json.rejected[0].reason).toBe('timestamp_out_of_range');
    const imp = await h.post('/v1/import', { batch: [{ ...old, messageId: 'old-2' }] });
    expect(imp.status).toBe(200);
    const env = (await h.envelopes()).find((e): e is CollectedEnvelope => e.kind === 'event' && e.event.messageId === 'old-2')!;
    expect(env.event.timestamp).toBe('2024-06-01T10:00:00.000Z');
  });
});

describe('stamps', () => {
  it('assigns a messageId, stamps receivedAt/IP/source, derives timestamp from sentAt, fills sentAt from the batch', async () => {
    const res = await h.post('/v1/batch', {
      sentAt: '2020-01-01T00:00:10.000Z', // device clock years off: the skew rule cancels it
      batch: [
        {
          type: 'track',
          anonymousId: 'a-1',
          event: 'Viewed',
          originalTimestamp: '2020-01-01T00:00:04.000Z',
          receivedAt: '1999-01-01T00:00:00Z',
        },
      ],
    });
    expect(res.status).toBe(200);
    const env = (await h.envelopes()).find((e): e is CollectedEnvelope => e.kind === 'event' && e.event.anonymousId === 'a-1')!;
    expect(env.event.messageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(env.event.receivedAt).toBe(env.receivedAt); // client value overwritten
    expect(Date.parse(env.event.timestamp)).toBe(Date.parse(env.receivedAt) - 6_000);
    expect(env.event.sentAt).toBe('2020-01-01T00:00:10.000Z');
    expect(env.clientIp).toContain('127.0.0.1');
    expect(env.source.id).toBe('web-shop');
    // Partition key: anonymousId (no userId).
    const rec = (await h.records()).find((r) => Buffer.from(r.data).toString().includes('"a-1"'))!;
    expect(rec.partitionKey).toBe('a-1');
  });

  it('the route sets the type, and the whole request is 400 when its only event is rejected', async () => {
    const res = await h.post('/v1/page', { anonymousId: 'a-2', type: 'track', name: 'Home' });
    expect(res.status).toBe(200);
    const env = (await h.envelopes()).find((e): e is CollectedEnvelope => e.kind === 'event' && e.event.anonymousId === 'a-2')!;
    expect(env.event.type).toBe('page');
    const before = (await h.records()).length;
    const rejected = await h.post('/v1/page', { name: 'Home', messageId: 'nobody-1' });
    expectError(rejected, 400, 'missing_identity');
    expect(rejected.json.rejected).toEqual([{ index: 0, messageId: 'nobody-1', reason: 'missing_identity', detail: expect.any(String) }]);
    // ... and it is on the stream for the failed-events output.
    expect((await h.records()).length).toBe(before + 1);
  });
});

describe('CORS', () => {
  let strict: Harness;
  beforeAll(async () => {
    strict = await startHarness(kinesis, {
      source: { name: 'Site', allowedOrigins: ['https://shop.example.com'] },
      config: { allowedOrigins: ['https://admin.example.com'] },
    });
  });
  afterAll(async () => strict.close());

  it('preflight answers any origin; the POST enforces the source list plus the global list', async () => {
    const pre = await fetch(`${strict.url}/v1/batch`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-headers')).toContain('authorization');
    for (const origin of ['https://shop.example.com', 'https://admin.example.com']) {
      const res = await strict.post('/v1/track', ok(), { headers: { origin } });
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBe(origin);
    }
    const denied = await strict.post('/v1/track', ok(), { headers: { origin: 'https://evil.example' } });
    expectError(denied, 403, 'origin_not_allowed');
    expect(denied.headers.get('access-control-allow-origin')).toBeNull();
    // Server-side emitters send no Origin: allowed.
    expect((await strict.post('/v1/track', ok())).status).toBe(200);
  });
});
