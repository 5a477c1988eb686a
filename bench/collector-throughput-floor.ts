/**
 * The floors the collector is compared with in bench/collector-throughput.ts: the least work any
 * collector must do with a Segment request (read it, JSON.parse, stamp each event, JSON.stringify each
 * envelope, answer), with none of the contract (no key, no validation, no stream). Also the Segment
 * payloads both sides are fed.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One Segment track event as analytics-node sends it. */
function segmentEvent(worker: number, seq: number, i: number, at: string): Record<string, unknown> {
  return {
    type: 'track',
    event: 'Product Added',
    userId: `bench-user-${(worker * 7919 + seq * 31 + i) % 997}`,
    anonymousId: `anon-${worker}-${seq % 13}`,
    messageId: `bench-${worker}-${seq}-${i}-${randomUUID()}`,
    timestamp: at,
    properties: { product_id: `SKU-${i % 13}`, price: 19.99, quantity: 1 + (i % 3), currency: 'EUR', cart_id: `cart-${seq}` },
    context: {
      library: { name: 'analytics-node', version: '3.1.0' },
      page: { path: '/products/42', url: 'https://shop.example.com/products/42', referrer: 'https://www.google.com/' },
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
      locale: 'fr-FR',
      campaign: { source: 'newsletter', medium: 'email', name: 'winter' },
    },
    integrations: {},
  };
}

export interface Payload {
  path: string;
  body: string;
  events: number;
}

/**
 * `count` distinct request bodies of `size` events: size 1 goes to /v1/track as a single event (what
 * analytics.js sends without batching), larger sizes to /v1/batch.
 */
export function payloads(size: number, count: number): Payload[] {
  const at = new Date().toISOString();
  return Array.from({ length: count }, (_, seq) => {
    const events = Array.from({ length: size }, (_, i) => segmentEvent(size, seq, i, at));
    return size === 1
      ? { path: '/v1/track', body: JSON.stringify(events[0]), events: 1 }
      : { path: '/v1/batch', body: JSON.stringify({ batch: events, sentAt: at }), events: size };
  });
}

/** Parse, stamp, serialise each envelope: what is left of a collector once the contract is removed. */
export function floorCollect(body: string): { records: number; response: string } {
  const parsed = JSON.parse(body) as { batch?: Array<Record<string, unknown>> } & Record<string, unknown>;
  const events = Array.isArray(parsed.batch) ? parsed.batch : [parsed];
  const receivedAt = new Date().toISOString();
  let bytes = 0;
  for (const e of events) {
    const env = { v: 1, kind: 'event', receivedAt, event: { ...e, messageId: e.messageId ?? randomUUID(), receivedAt } };
    bytes += Buffer.byteLength(JSON.stringify(env));
  }
  return { records: events.length, response: JSON.stringify({ success: true, accepted: events.length, bytes }) };
}

/** The node:http floor server: read, floorCollect, answer. */
export async function startFloorServer(): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const { response } = floorCollect(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(response) });
      res.end(response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
