/**
 * What @segment/analytics-next 1.84.3 puts on the wire, replayed without a browser (so it runs where
 * Chromium is missing; browser-sdk.test.ts drives the real SDK):
 *   - every anonymous call carries `"userId": null` (segmentio normalize: `json.userId || user.id()`),
 *     which Segment reads as "no userId": the collector must too, or each first page view is rejected;
 *   - every retry carries `X-Retry-Count: <n>`, so the preflight must allow that header, or the browser
 *     blocks the retry after a 503.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalKinesis } from '../../local/kinesis.js';
import type { StreamEnvelope } from '../../schemas/envelope.js';
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

/** An analytics.js page call as normalize() builds it: write key in the body, text/plain, no Basic header. */
function anonymousPage(messageId: string, ids: { userId: null; anonymousId: string | null }) {
  const now = new Date().toISOString();
  return {
    timestamp: now,
    integrations: { 'Segment.io': true },
    type: 'page',
    properties: { path: '/shop', url: 'https://shop.example.com/shop' },
    context: { library: { name: 'analytics.js', version: 'next-1.84.3' }, page: { url: 'https://shop.example.com/shop' } },
    messageId,
    ...ids,
    writeKey: h.writeKey,
    sentAt: now,
    _metadata: { bundled: ['Segment.io'], unbundled: [], bundledIds: [] },
  };
}

const post = (body: unknown) => h.post('/v1/p', body, { key: null, headers: { 'content-type': 'text/plain' } });

describe('analytics.js wire details', () => {
  it('"userId": null is read as no userId; the anonymousId carries the event', async () => {
    const res = await post(anonymousPage('ajs-next-1', { userId: null, anonymousId: 'a-1' }));
    expect(res.status).toBe(200);
    const env = (await h.envelopes()).find((e: StreamEnvelope) => e.kind === 'event' && e.event.messageId === 'ajs-next-1');
    expect(env?.kind).toBe('event');
    if (env?.kind !== 'event') return;
    expect(env.event.anonymousId).toBe('a-1');
    expect('userId' in env.event).toBe(false);
    expect(JSON.stringify(env)).not.toContain(h.writeKey);
  });

  it('null userId and null anonymousId is still an event without identity (400 missing_identity)', async () => {
    const res = await post(anonymousPage('ajs-next-2', { userId: null, anonymousId: null }));
    expect(res.status).toBe(400);
    expect(res.json.error.reason).toBe('missing_identity');
  });

  it('the preflight allows the headers analytics.js sends, X-Retry-Count included', async () => {
    const res = await fetch(`${h.url}/v1/t`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://shop.example.com',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,x-retry-count',
      },
    });
    expect(res.status).toBe(204);
    const allowed = (res.headers.get('access-control-allow-headers') ?? '').split(',').map((s) => s.trim());
    expect(allowed).toEqual(expect.arrayContaining(['authorization', 'content-type', 'x-retry-count']));
  });

  it('refusals made before the source is known carry CORS headers, so the SDK sees the 4xx and stops', async () => {
    const origin = 'https://shop.example.com';
    const unknownKey = await h.post(
      '/v1/t',
      { type: 'track', event: 'x', anonymousId: 'a', writeKey: 'no-such-key' },
      { key: null, headers: { origin } },
    );
    expect(unknownKey.status).toBe(401);
    expect(unknownKey.headers.get('access-control-allow-origin')).toBe(origin);
    const noRoute = await h.post('/v1/zz', {}, { headers: { origin } });
    expect(noRoute.status).toBe(404);
    expect(noRoute.headers.get('access-control-allow-origin')).toBe(origin);
  });

  it('Retry-After is exposed to the page on CORS responses', async () => {
    const res = await h.post('/v1/t', { type: 'track', event: 'x', anonymousId: 'a' }, { headers: { origin: 'https://shop.example.com' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-expose-headers')).toBe('retry-after');
  });

  it("the SDK's own usage metrics (POST /v1/m) are acknowledged with 204 and CORS, and never reach the stream", async () => {
    const before = (await h.envelopes()).length;
    const res = await fetch(`${h.url}/v1/m`, {
      method: 'POST',
      headers: { origin: 'https://shop.example.com', 'content-type': 'text/plain' },
      body: JSON.stringify({ series: [{ type: 'Counter', metric: 'analytics_js.invoke', value: 1, tags: {} }] }),
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://shop.example.com');
    expect((await h.envelopes()).length).toBe(before);
  });
});
