/**
 * Real SDKs through the real collector into kinesalite: @segment/analytics-node 3.1.0 (plain JSON,
 * Basic auth, batch-level sentAt, explicit per-message timestamp) and @rudderstack/rudder-sdk-node
 * 3.0.13 (gzip labelled application/x-www-form-urlencoded, per-message originalTimestamp + sentAt,
 * top-level channel "server"). Each of track, identify, page, screen, group, alias is sent; the
 * records are read back from the stream and every field the SDK sent must be there unchanged.
 */

import RudderAnalytics from '@rudderstack/rudder-sdk-node';
import { Analytics as SegmentAnalytics } from '@segment/analytics-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalKinesis } from '../../local/kinesis.js';
import type { CollectedEnvelope } from '../../schemas/envelope.js';
import { bodyOf, type Harness, startHarness, startKinesis } from './harness.js';

let kinesis: LocalKinesis;
beforeAll(async () => {
  kinesis = await startKinesis();
});
afterAll(async () => {
  await kinesis.close();
});

/** Fields the collector is allowed to change: its stamps. Everything else must survive verbatim. */
const STAMPED = new Set(['timestamp', 'receivedAt', 'writeKey']);

function expectSurvived(sent: Record<string, unknown>, stored: Record<string, unknown>, receivedAt: string) {
  for (const [k, v] of Object.entries(sent)) {
    if (STAMPED.has(k)) continue;
    expect(stored[k], `field ${k}`).toEqual(v);
  }
  expect(stored.receivedAt).toBe(receivedAt);
  expect(typeof stored.messageId).toBe('string');
}

function collected(envs: unknown[]): CollectedEnvelope[] {
  return (envs as CollectedEnvelope[]).filter((e) => e.kind === 'event');
}

async function sendAllCalls(call: (method: string, payload: Record<string, unknown>) => void) {
  call('identify', { userId: 'u-123', traits: { plan: 'pro', email: 'ada@example.com', seats: 3 } });
  call('track', {
    userId: 'u-123',
    event: 'Order Completed',
    properties: { order_id: 'o-1', revenue: 42.5, currency: 'EUR', products: [{ sku: 'A', price: 42.5, quantity: 1 }] },
    context: { touchpoint: { channel: 'store', location: 'store-042', agent: 'emp-7' }, identifiers: { loyaltyId: 'L-99' } },
  });
  call('page', {
    anonymousId: 'anon-9',
    name: 'Quickstart',
    category: 'Docs',
    properties: { path: '/docs', url: 'https://example.com/docs?utm_source=x' },
  });
  call('screen', { userId: 'u-123', name: 'Basket', properties: { items: 2 } });
  call('group', { userId: 'u-123', groupId: 'acme', traits: { name: 'Acme', employees: 40 } });
  call('alias', { userId: 'u-123', previousId: 'anon-9' });
}

describe('Segment @segment/analytics-node 3.1.0', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(kinesis);
  });
  afterAll(async () => h.close());

  it('delivers track, identify, page, screen, group and alias with every field intact', async () => {
    const analytics = new SegmentAnalytics({ writeKey: h.writeKey, host: h.url, flushAt: 50, flushInterval: 60_000, maxRetries: 0 });
    const errors: unknown[] = [];
    analytics.on('error', (e) => errors.push(e));
    await sendAllCalls((method, payload) => {
      (analytics as unknown as Record<string, (p: unknown) => void>)[method]!(payload);
    });
    await analytics.closeAndFlush({ timeout: 120_000 });
    expect(errors).toEqual([]);

    // What the SDK actually put on the wire.
    expect(h.seen.length).toBeGreaterThanOrEqual(1);
    const sentMessages = h.seen.flatMap((ev) => bodyOf(ev).batch as Record<string, unknown>[]);
    expect(sentMessages.map((m) => m.type).sort()).toEqual(['alias', 'group', 'identify', 'page', 'screen', 'track']);
    expect(h.seen[0]!.headers.authorization).toMatch(/^Basic /);

    const envs = collected(await h.envelopes());
    expect(envs).toHaveLength(6);
    for (const sent of sentMessages) {
      const stored = envs.find((e) => e.event.messageId === sent.messageId);
      expect(stored, `message ${String(sent.type)}`).toBeDefined();
      expectSurvived(sent, stored!.event as Record<string, unknown>, stored!.receivedAt);
      // analytics-node sends an explicit timestamp (server clock): kept as the same instant.
      expect(Date.parse(stored!.event.timestamp)).toBe(Date.parse(sent.timestamp as string));
      expect(stored!.source).toEqual({ id: 'web-shop', name: 'Web Shop', defaultChannel: 'web' });
      expect(stored!.clientIp).toMatch(/127\.0\.0\.1/);
    }

    // Hand-checked values, independent of the SDK's own serialisation.
    const track = envs.find((e) => e.event.type === 'track')!.event as any;
    expect(track.event).toBe('Order Completed');
    expect(track.properties).toEqual({
      order_id: 'o-1',
      revenue: 42.5,
      currency: 'EUR',
      products: [{ sku: 'A', price: 42.5, quantity: 1 }],
    });
    expect(track.context.touchpoint).toEqual({ channel: 'store', location: 'store-042', agent: 'emp-7' });
    expect(track.context.identifiers).toEqual({ loyaltyId: 'L-99' });
    expect(track.context.library.name).toBe('@segment/analytics-node');
    const alias = envs.find((e) => e.event.type === 'alias')!.event as any;
    expect([alias.userId, alias.previousId]).toEqual(['u-123', 'anon-9']);
    const group = envs.find((e) => e.event.type === 'group')!.event as any;
    expect([group.groupId, group.traits]).toEqual(['acme', { name: 'Acme', employees: 40 }]);
    const page = envs.find((e) => e.event.type === 'page')!.event as any;
    expect([page.anonymousId, page.name, page.category]).toEqual(['anon-9', 'Quickstart', 'Docs']);
    const screen = envs.find((e) => e.event.type === 'screen')!.event as any;
    expect([screen.name, screen.properties]).toEqual(['Basket', { items: 2 }]);
    const identify = envs.find((e) => e.event.type === 'identify')!.event as any;
    expect(identify.traits).toEqual({ plan: 'pro', email: 'ada@example.com', seats: 3 });

    // The write key never reaches the stream.
    const rawStream = (await h.records()).map((r) => Buffer.from(r.data).toString('utf8')).join('\n');
    expect(rawStream).not.toContain(h.writeKey);
  });
});

describe('RudderStack @rudderstack/rudder-sdk-node 3.0.13', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(kinesis, { source: { name: 'POS EU', defaultChannel: 'store' } });
  });
  afterAll(async () => h.close());

  it('delivers gzip bodies labelled as form data, with the sentAt clock-skew rule applied', async () => {
    const client = new RudderAnalytics(h.writeKey, {
      dataPlaneUrl: h.url,
      flushAt: 50,
      flushInterval: 60_000,
      retryCount: 0,
      logLevel: 'error',
    });
    await sendAllCalls((method, payload) => {
      (client as unknown as Record<string, (p: unknown) => void>)[method]!(payload);
    });
    await client.flush();

    expect(h.seen.length).toBeGreaterThanOrEqual(1);
    const first = h.seen[0]!;
    expect(first.headers['content-encoding']).toBe('gzip');
    expect(first.headers['content-type']).toMatch(/x-www-form-urlencoded/);
    expect(first.isBase64Encoded).toBe(true);
    const sentMessages = h.seen.flatMap((ev) => bodyOf(ev).batch as Record<string, unknown>[]);
    expect(sentMessages).toHaveLength(6);

    const envs = collected(await h.envelopes());
    expect(envs).toHaveLength(6);
    for (const sent of sentMessages) {
      const stored = envs.find((e) => e.event.messageId === sent.messageId)!;
      expect(stored, `message ${String(sent.type)}`).toBeDefined();
      expectSurvived(sent, stored.event as Record<string, unknown>, stored.receivedAt);
      // Sending platform stays in `channel`; the touchpoint channel is a different field.
      expect(stored.event.channel).toBe('server');
      // Derived: receivedAt - (sentAt - originalTimestamp).
      const expected = Date.parse(stored.receivedAt) - (Date.parse(sent.sentAt as string) - Date.parse(sent.originalTimestamp as string));
      expect(Date.parse(stored.event.timestamp)).toBe(expected);
      expect(stored.source.defaultChannel).toBe('store');
    }
  });
});
