/**
 * Shutdown of the loopback collector (local/collector-server.ts close()): it stops accepting
 * connections, but a request already in flight still completes: the client gets its 200 and the
 * events are in the stream (nothing accepted is lost, nothing half-done). Requests that outlive the
 * grace period are cut, so shutdown is bounded; idle keep-alive sockets do not hold it up.
 */

import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollectorServer } from '../../local/collector-server.js';
import type { LocalKinesis } from '../../local/kinesis.js';
import type { CollectedEnvelope } from '../../schemas/envelope.js';
import { startHarness, startKinesis } from './harness.js';

let kinesis: LocalKinesis;
beforeAll(async () => {
  kinesis = await startKinesis();
});
afterAll(async () => kinesis.close());

/** A real kinesalite client whose PutRecords waits on `gate` first: the injected slow Kinesis. */
function slowClient(k: LocalKinesis, gate: () => Promise<void>): KinesisClient {
  const client = new KinesisClient({
    endpoint: k.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    requestHandler: new NodeHttpHandler(),
  });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'PutRecordsCommand') await gate();
      return next(args);
    },
    { step: 'initialize', name: 'slowPutRecords' },
  );
  return client;
}

function deferred<T = void>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Resolves with the connect error code, or 'connected'. */
function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve('connected');
    });
    s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
  });
}

describe('collector server close()', () => {
  it('lets a request that is mid-write to Kinesis finish: 200, and its events are in the stream', async () => {
    const entered = deferred();
    const release = deferred();
    const h = await startHarness(kinesis, {
      client: (k) =>
        slowClient(k, async () => {
          entered.resolve();
          await release.promise;
        }),
    });
    const port = Number(new URL(h.url).port);
    const inflight = h.post('/v1/batch', {
      batch: [
        { type: 'track', userId: 'u-1', event: 'Slow A', messageId: 'slow-1' },
        { type: 'track', userId: 'u-2', event: 'Slow B', messageId: 'slow-2' },
      ],
    });
    await entered.promise; // the handler is now inside PutRecords

    let closed = false;
    const closing = h.close().then(() => (closed = true));
    // No new connections once close() has been called...
    expect(await tryConnect(port)).toBe('ECONNREFUSED');
    // ...but the in-flight one is not cut, and close() waits for it.
    expect(closed).toBe(false);

    release.resolve();
    const res = await inflight;
    expect(res.status).toBe(200);
    expect(res.headers.get('connection')).toBe('close');
    await closing;
    const ids = ((await h.envelopes()) as CollectedEnvelope[]).filter((e) => e.kind === 'event').map((e) => e.event.messageId);
    expect(ids.sort()).toEqual(['slow-1', 'slow-2']);
  });

  it('cuts a request that outlives the grace period, so shutdown is bounded', async () => {
    const entered = deferred();
    const release = deferred();
    const server = await startCollectorServer({
      shutdownTimeoutMs: 100,
      handler: async () => {
        entered.resolve();
        await release.promise; // a handler stuck far longer than the grace period
        return { statusCode: 200, body: '{}' };
      },
    });
    const inflight = fetch(`${server.url}/v1/track`, { method: 'POST', body: '{}' });
    await entered.promise;
    await server.close(); // resolves: the stuck request did not hold shutdown forever
    await expect(inflight).rejects.toThrow(); // the client saw the connection cut, not a false 200
    release.resolve();
  });

  it('closes idle keep-alive sockets at once instead of waiting for their keep-alive timeout', async () => {
    const server = await startCollectorServer({
      shutdownTimeoutMs: 60_000,
      handler: async () => ({ statusCode: 200, body: '{"ok":true}' }),
    });
    const agent = new Agent({ keepAlive: true });
    const socketClosed = deferred<string>();
    await new Promise<void>((resolve, reject) => {
      const req = request(`${server.url}/v1/track`, { method: 'POST', agent }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('socket', (s) => s.once('close', () => socketClosed.resolve('closed')));
      req.on('error', reject);
      req.end('{}');
    });
    expect(agent.freeSockets[Object.keys(agent.freeSockets)[0]!]).toHaveLength(1); // parked, idle, open
    // close() would otherwise wait for the server's 5 s keep-alive timeout (the grace period here is 60 s).
    const outcome = await Promise.race([
      server.close().then(() => 'closed'),
      new Promise((r) => setTimeout(() => r('still open after 4.5 s'), 4_500)),
    ]);
    expect(outcome).toBe('closed');
    expect(await socketClosed.promise).toBe('closed');
    agent.destroy();
  });
});
