/**
 * The loopback collector under pressure: a pipeline that cannot take events (readiness) is answered
 * 503 + Retry-After with the reasons, never 2xx; slow senders cannot starve normal clients and are
 * cut by the header timeout; connections over the cap are closed on accept. Liveness only: no
 * timing assertions (latency figures come from `npm run bench:load`).
 */
import { Agent, request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Readiness } from '../../local/collector-server.js';
import type { LocalKinesis } from '../../local/kinesis.js';
import { startHarness, startKinesis } from './harness.js';
import { rawExchange } from './hostile.js';

let kinesis: LocalKinesis;
beforeAll(async () => {
  kinesis = await startKinesis();
});
afterAll(async () => kinesis.close());

const batch = (tag: string) => ({ batch: [{ type: 'track', userId: 'u-1', event: 'Limits', messageId: tag }] });

describe('readiness (the pipeline behind the collector)', () => {
  it('not ready: write routes and /health answer 503 + Retry-After with the reasons; the rest as usual; ready again: 200', async () => {
    let state: Readiness = { ok: false, reasons: ['lake write backlog over its bound', 'shard loop stalled'], retryAfterSeconds: 7 };
    const h = await startHarness(kinesis, { server: { readiness: () => state } });

    for (const path of ['/v1/batch', '/v1/track', '/v1/import', '/v1/t']) {
      const res = await h.post(path, path.endsWith('batch') || path.endsWith('import') ? batch('r-1') : { userId: 'u', event: 'e' }, {
        headers: { origin: 'https://shop.example' },
      });
      expect(res.status, path).toBe(503);
      expect(res.headers.get('retry-after')).toBe('7');
      // A browser SDK can read the 503 and its Retry-After.
      expect(res.headers.get('access-control-allow-origin')).toBe('https://shop.example');
      expect(res.headers.get('access-control-expose-headers')).toContain('retry-after');
      expect(res.json).toMatchObject({ code: 'pipeline_unavailable', reasons: state.reasons, error: { reason: 'pipeline_unavailable' } });
    }
    const health = await fetch(`${h.url}/health`);
    expect(health.status).toBe(503);
    expect(health.headers.get('retry-after')).toBe('7');
    expect(await health.json()).toEqual({ ok: false, code: 'pipeline_unavailable', reasons: state.reasons });
    expect((await fetch(`${h.url}/health`, { method: 'HEAD' })).status).toBe(503);
    // Nothing that writes: answered as always.
    expect((await h.post('/v1/nope', {})).status).toBe(404);
    expect((await fetch(`${h.url}/v1/batch`, { method: 'OPTIONS', headers: { origin: 'https://shop.example' } })).status).toBe(204);
    expect(await h.records()).toHaveLength(0); // never 2xx, never stored

    state = { ok: true, reasons: [] };
    expect((await h.post('/v1/batch', batch('r-2'))).status).toBe(200);
    expect((await fetch(`${h.url}/health`)).status).toBe(200);
    expect(await h.records()).toHaveLength(1);
    await h.close();
  });

  it('a readiness check that throws counts as not ready (503 with its message), not as a crash', async () => {
    const h = await startHarness(kinesis, {
      server: {
        readiness: () => {
          throw new Error('checkpoint file unreadable');
        },
      },
    });
    const res = await h.post('/v1/batch', batch('t-1'));
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('2');
    expect(res.json.reasons).toEqual(['readiness check failed: checkpoint file unreadable']);
    await h.close();
  });
});

/** A connection that sends a request's headers one byte at a time, every `everyMs`, and never finishes. */
function trickler(port: number, everyMs: number): { socket: Socket; closed: Promise<void>; stop(): void } {
  const head = 'POST /v1/batch HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-Slow: ';
  const socket = connect(port, '127.0.0.1');
  let i = 0;
  const timer = setInterval(() => {
    if (!socket.writable) return;
    socket.write(i < head.length ? head[i]! : 'a');
    i++;
  }, everyMs);
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  void closed.then(() => clearInterval(timer));
  const stop = () => {
    clearInterval(timer);
    socket.destroy();
  };
  return { socket, closed, stop };
}

describe('slow clients and the connection cap', () => {
  it('300 connections trickling headers: a normal client is still answered, and the trickle is cut by headersTimeout', async () => {
    const h = await startHarness(kinesis, { server: { headersTimeoutMs: 2_000 } });
    const port = Number(new URL(h.url).port);
    const slow = Array.from({ length: 300 }, () => trickler(port, 100));
    try {
      for (let i = 0; i < 20; i++) {
        const res = await h.post('/v1/batch', batch(`n-${i}`));
        expect(res.status).toBe(200);
      }
      expect(await h.records()).toHaveLength(20);
      // Every slow sender is eventually disconnected by the server (liveness: no bound asserted).
      await Promise.all(slow.map((s) => s.closed));
    } finally {
      for (const s of slow) s.stop();
      await h.close();
    }
  });

  it('connections over maxConnections are closed on accept; once others leave, new ones are served', async () => {
    const h = await startHarness(kinesis, { server: { maxConnections: 5 } });
    const port = Number(new URL(h.url).port);
    // Five keep-alive connections, each proven accepted by a completed request, then left idle.
    const agent = new Agent({ keepAlive: true, maxSockets: 5 });
    const get = () =>
      new Promise<number>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path: '/health', agent }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', reject);
        req.end();
      });
    expect(await Promise.all(Array.from({ length: 5 }, get))).toEqual([200, 200, 200, 200, 200]);
    const refused = await rawExchange(port, 'GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(refused.status).toBeUndefined(); // closed without an answer
    agent.destroy();
    await new Promise((r) => setImmediate(r));
    // The server notices the five closes asynchronously: retry until one gets through (liveness).
    let status: number | undefined;
    for (let i = 0; i < 200 && status === undefined; i++) {
      status = (await rawExchange(port, 'GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')).status;
    }
    expect(status).toBe(200);
    await h.close();
  });
});
