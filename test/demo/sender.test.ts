import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { backoffMs, parseRetryAfter, planBatches, sendEvents } from '../../demo/client/batch-sender.js';

/**
 * A scripted HTTP server standing in for the collector's fault cases only (429 with Retry-After, 503,
 * per-event rejections in the collector's response shape); the happy path against the real collector is
 * covered by test/e2e.
 */
type Handler = (body: { batch: Record<string, unknown>[] }, req: IncomingMessage, res: ServerResponse) => void;
const servers: { close: () => void }[] = [];
async function serve(handler: Handler): Promise<{ url: string; requests: { auth?: string; size: number }[] }> {
  const requests: { auth?: string; size: number }[] = [];
  const server = createServer((req, res) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => {
      const body = JSON.parse(data) as { batch: Record<string, unknown>[] };
      requests.push({ auth: req.headers.authorization, size: body.batch.length });
      handler(body, req, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}
afterEach(() => servers.splice(0).forEach((s) => s.close()));

const events = (n: number) => Array.from({ length: n }, (_, i) => ({ type: 'track', event: 'E', messageId: `m${i}`, anonymousId: 'a' }));
const fixed = (n: number) => Array.from({ length: n }, (_, i) => ({ type: 'track', messageId: String(i).padStart(6, '0') }));
const noSleep = { sleep: async () => {}, random: () => 0.5 };

describe('batch sender', () => {
  it('plans batches under the count and byte budgets', () => {
    const evs = fixed(1200);
    expect(planBatches(evs, 500, 1e9).map((b) => b.length)).toEqual([500, 500, 200]);
    const one = Buffer.byteLength(JSON.stringify(evs[0])) + 1;
    const byBytes = planBatches(evs, 2500, 64 + one * 100);
    expect(byBytes[0]).toHaveLength(100);
    expect(byBytes.flat()).toHaveLength(1200);
  });

  it('parses Retry-After as seconds or a date; backoff never undercuts it', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4000)).toBe(6000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(backoffMs(0, 200, 20_000, () => 0.5, 3000)).toBe(3000);
    expect(backoffMs(3, 200, 20_000, () => 1)).toBe(1600);
    expect(backoffMs(20, 200, 20_000, () => 1)).toBe(20_000);
  });

  it('authenticates with Basic KEY: and counts accepted and rejected', async () => {
    const { url, requests } = await serve(({ batch }, _req, res) => {
      const rejected = batch.flatMap((e, index) =>
        e.messageId === 'm3' ? [{ index, messageId: 'm3', reason: 'schema_violation', detail: 'x' }] : [],
      );
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ success: true, rejected }));
    });
    const r = await sendEvents(events(10), { url, writeKey: 'k1', batchSize: 4, ...noSleep });
    expect(requests.map((q) => q.size)).toEqual([4, 4, 2]);
    expect(requests[0]!.auth).toBe(`Basic ${Buffer.from('k1:').toString('base64')}`);
    expect(r).toMatchObject({ sent: 10, accepted: 9, failed: 0 });
    expect(r.rejected).toEqual([{ messageId: 'm3', reason: 'schema_violation', detail: 'x' }]);
  });

  it('retries 429 and 503 honouring Retry-After, then succeeds', async () => {
    let n = 0;
    const waits: number[] = [];
    const { url } = await serve((_b, _req, res) => {
      n++;
      if (n === 1) return res.writeHead(429, { 'retry-after': '2' }).end();
      if (n === 2) return res.writeHead(503, { 'retry-after': '1' }).end('{"success":false,"error":{"reason":"service_unavailable"}}');
      res.writeHead(200).end('{"success":true}');
    });
    const r = await sendEvents(events(3), { url, writeKey: 'k', sleep: async (ms) => void waits.push(ms), random: () => 0 });
    expect(r).toMatchObject({ accepted: 3, retries: 2, requests: 3, failed: 0 });
    expect(waits).toEqual([2000, 1000]);
  });

  it('gives up after maxRetries and reports the events as undelivered, not accepted', async () => {
    const { url } = await serve((_b, _req, res) => res.writeHead(500).end());
    const r = await sendEvents(events(5), { url, writeKey: 'k', maxRetries: 2, ...noSleep });
    expect(r).toMatchObject({ accepted: 0, failed: 5, requests: 3, retries: 2 });
  });

  it('a refused request (401) rejects its events without retrying', async () => {
    const { url, requests } = await serve((_b, _req, res) =>
      res.writeHead(401).end('{"success":false,"error":{"reason":"unauthorized","message":"unknown write key"}}'),
    );
    const r = await sendEvents(events(2), { url, writeKey: 'bad', ...noSleep });
    expect(requests).toHaveLength(1);
    expect(r.rejected.map((x) => x.reason)).toEqual(['unauthorized', 'unauthorized']);
    expect(r.accepted).toBe(0);
  });

  it('splits a batch the server finds too large', async () => {
    const { url, requests } = await serve(({ batch }, _req, res) => {
      if (batch.length > 2) return res.writeHead(413).end('{"success":false,"error":{"reason":"payload_too_large"}}');
      res.writeHead(200).end('{"success":true}');
    });
    const r = await sendEvents(events(5), { url, writeKey: 'k', ...noSleep });
    expect(r.accepted).toBe(5);
    expect(requests.filter((q) => q.size <= 2).reduce((s, q) => s + q.size, 0)).toBe(5);
  });

  it('network errors are retried', async () => {
    let calls = 0;
    const flaky: typeof fetch = async (input, init) => {
      calls++;
      if (calls === 1) throw new TypeError('fetch failed', { cause: { code: 'ECONNRESET' } });
      return fetch(input, init);
    };
    const { url } = await serve((_b, _req, res) => res.writeHead(200).end('{}'));
    const r = await sendEvents(events(1), { url, writeKey: 'k', fetchImpl: flaky, ...noSleep });
    expect(r).toMatchObject({ accepted: 1, retries: 1 });
    expect(r.errors['network:ECONNRESET']).toBe(1);
  });
});
