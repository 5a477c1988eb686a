/**
 * The REAL browser SDK, unchanged, against the real collector: @segment/analytics-next 1.84.3's UMD
 * bundle (dist/umd/index.js, global `AnalyticsNext`) runs in headless Chromium on a page served from one
 * loopback port and posts to the collector on another (cross-origin, like a shop on its own domain).
 *
 * Settings come from `cdnSettings` (so nothing is fetched from Segment's CDN) and the Segment.io
 * destination is pointed at the collector with `apiHost: '127.0.0.1:<port>/v1'` + `protocol: 'http'`,
 * given in BOTH places the SDK reads it: cdnSettings.integrations (the destination's settings, merged
 * with the load options) and the load options' integrations (the only place the SDK's own usage
 * metrics take their host from: with cdnSettings alone they would go to api.segment.io/v1/m).
 *
 * Run once per delivery strategy: 'standard' (one fetch per event to /v1/<type letter>) and 'batching'
 * (/v1/b with one batch-level sentAt). Both send Authorization: Basic <writeKey:> besides the writeKey
 * in the body, so the requests are NOT CORS-simple: each URL gets a preflight that the collector answers.
 */

import { existsSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandler } from '../../lambdas/collector/handler.js';
import { createKinesisWriter } from '../../lambdas/collector/kinesis-writer.js';
import { createFileKeyStore } from '../../lambdas/collector/sources/file-store.js';
import type { SourceConfig } from '../../lambdas/collector/sources/types.js';
import { type CollectorServer, startCollectorServer } from '../../local/collector-server.js';
import { type LocalKinesis, startLocalKinesis } from '../../local/kinesis.js';
import type { CollectedEnvelope, StreamEnvelope } from '../../schemas/envelope.js';
import { CHROMIUM, launchChromium } from '../fixtures/chromium.js';
import { faultyClient } from './faults.js';

const SDK_VERSION = '1.84.3';
const require = createRequire(import.meta.url);
const SDK_BUNDLE = join(require.resolve('@segment/analytics-next/package.json'), '..', 'dist', 'umd', 'index.js');

/** The shop page: the SDK bundle, and a function the test calls to run one session. */
const PAGE_HTML = `<!doctype html>
<html><head><meta charset="utf-8"><title>Threadline Test Shop</title><link rel="icon" href="data:,">
<script src="/vendor/analytics-next.js"></script>
<script>
  // Runs in the page. Returns what the SDK itself reports about delivery.
  window.runSession = async function (cfg) {
    const segmentio = { apiKey: cfg.writeKey, apiHost: cfg.apiHost, protocol: 'http' };
    if (cfg.batching) segmentio.deliveryStrategy = { strategy: 'batching', config: { size: 5, timeout: 300 } };
    const sdkErrors = [];
    const [analytics] = await AnalyticsNext.AnalyticsBrowser.load(
      { writeKey: cfg.writeKey, cdnSettings: { integrations: { 'Segment.io': segmentio } } },
      { integrations: { 'Segment.io': { apiHost: cfg.apiHost, protocol: 'http' } } },
    );
    analytics.on('error', (e) => sdkErrors.push(String(e && e.code) + ': ' + String(e && e.reason)));
    const ctxs = [];
    if (cfg.trackOnly) {
      ctxs.push(await analytics.track('Order Completed', { order_id: 'o-1001', revenue: 42.5, currency: 'EUR' }));
      return {
        anonymousId: analytics.user().anonymousId(),
        sent: ctxs.map((c) => ({ type: c.event.type, messageId: c.event.messageId, timestamp: '', failed: null })),
        sdkErrors
      };
    }
    ctxs.push(await analytics.page());
    ctxs.push(await analytics.identify('u-1', { email: cfg.email }));
    ctxs.push(await analytics.track('Order Completed', { order_id: 'o-1001', revenue: 42.5, currency: 'EUR' }));
    ctxs.push(await analytics.group('acme', { name: 'Acme Ltd', plan: 'enterprise' }));
    ctxs.push(await analytics.alias('u-2'));
    return {
      anonymousId: analytics.user().anonymousId(),
      sent: ctxs.map((c) => ({
        type: c.event.type,
        messageId: c.event.messageId,
        timestamp: new Date(c.event.timestamp).toISOString(),
        failed: c.failedDelivery() ? String(c.failedDelivery().reason) : null,
      })),
      sdkErrors,
    };
  };
</script></head><body><h1>shop</h1></body></html>`;

interface Exchange {
  method: string;
  path: string;
  headers: Record<string, string | undefined>;
  status: number;
  responseHeaders: Record<string, string>;
}

interface SessionResult {
  anonymousId: string;
  /** timestamp: the SDK's own (device clock, ISO). */
  sent: Array<{ type: string; messageId: string; timestamp: string; failed: string | null }>;
  sdkErrors: string[];
}

let kinesis: LocalKinesis;
let collector: CollectorServer;
let pageServer: Server;
let pageOrigin: string;
let keysDir: string;
let writeKey: string;
let source: SourceConfig;
let keyStore: ReturnType<typeof createFileKeyStore>;
let streamSeq = 0;
let stream = '';
/** The collector handler of the current test (own stream, optionally a fault-injecting client). */
let current: ReturnType<typeof createHandler>;
const exchanges: Exchange[] = [];

async function useStream(mode: string, client?: KinesisClient): Promise<void> {
  stream = `browser-${mode}-${++streamSeq}`;
  await kinesis.ensureStream(stream, 1);
  exchanges.length = 0;
  current = createHandler({
    keyStore,
    sink: createKinesisWriter({
      client: client ?? kinesis.client,
      streamName: stream,
      retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5 },
    }),
  });
}

beforeAll(async () => {
  kinesis = await startLocalKinesis();
  keysDir = await mkdtemp(join(tmpdir(), 'tl-browser-keys-'));
  keyStore = createFileKeyStore(join(keysDir, 'sources.json'));
  const sdk = readFileSync(SDK_BUNDLE);
  pageServer = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/shop') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE_HTML);
    } else if (path === '/vendor/analytics-next.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(sdk);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => pageServer.listen(0, '127.0.0.1', () => r()));
  pageOrigin = `http://127.0.0.1:${(pageServer.address() as AddressInfo).port}`;
  // The source allows exactly the shop's origin (a different port is a different origin).
  ({ writeKey, source } = await keyStore.add({ name: 'Test Shop', defaultChannel: 'web', allowedOrigins: [pageOrigin] }));
  collector = await startCollectorServer({
    handler: async (ev: APIGatewayProxyEventV2) => {
      const out = (await current(ev)) as APIGatewayProxyStructuredResultV2;
      exchanges.push({
        method: ev.requestContext.http.method,
        path: ev.rawPath,
        headers: ev.headers,
        status: out.statusCode ?? 200,
        responseHeaders: Object.fromEntries(Object.entries(out.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)])),
      });
      return out;
    },
  });
});

afterAll(async () => {
  await collector?.close();
  await new Promise<void>((r) => (pageServer ? pageServer.close(() => r()) : r()));
  await kinesis?.close();
  if (keysDir) await rm(keysDir, { recursive: true, force: true });
});

const launch = () => launchChromium();

async function collectedEvents(expected: number): Promise<StreamEnvelope[]> {
  // Standard mode resolves each call once its fetch settled; batching resolves on enqueue. Poll the
  // stream (bounded) rather than trusting either.
  let envs: StreamEnvelope[] = [];
  for (let i = 0; i < 100; i++) {
    const recs = await kinesis.readAll(stream);
    envs = recs.map((r) => JSON.parse(Buffer.from(r.data).toString('utf8')) as StreamEnvelope);
    if (envs.length >= expected) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  // A little longer: a duplicate (retry) would show up here.
  await new Promise((r) => setTimeout(r, 150));
  return (await kinesis.readAll(stream)).map((r) => JSON.parse(Buffer.from(r.data).toString('utf8')) as StreamEnvelope);
}

describe.skipIf(!existsSync(CHROMIUM) && !process.env.CI)(`@segment/analytics-next ${SDK_VERSION} in headless Chromium`, () => {
  for (const mode of ['standard', 'batching'] as const) {
    it(`delivers page, identify, track, group and alias once each (${mode} delivery)`, async () => {
      await useStream(mode);
      const { browser, profile } = await launch();
      const requests: URL[] = [];
      const consoleErrors: string[] = [];
      const pageErrors: string[] = [];
      const failedRequests: string[] = [];
      const pageUrl = `${pageOrigin}/shop?utm_source=newsletter&utm_medium=email&utm_campaign=spring`;
      const email = 'ada@example.com';
      let result: SessionResult;
      const t0 = Date.now();
      try {
        const page = browser.pages()[0] ?? (await browser.newPage());
        page.on('request', (r) => requests.push(new URL(r.url())));
        page.on('requestfailed', (r) => failedRequests.push(`${r.method()} ${r.url()}: ${r.failure()?.errorText}`));
        page.on('console', (m) => {
          if (m.type() === 'error' || m.type() === 'warning') consoleErrors.push(m.text());
        });
        page.on('pageerror', (e) => pageErrors.push(e.message));
        await page.goto(pageUrl);
        const apiHost = `127.0.0.1:${collector.port}/v1`;
        result = (await page.evaluate(
          `window.runSession(${JSON.stringify({ writeKey, apiHost, email, batching: mode === 'batching' })})`,
        )) as SessionResult;
        const envs = await collectedEvents(5);
        const t1 = Date.now();

        // --- what the SDK reports
        expect(result.sdkErrors).toEqual([]);
        expect(result.sent.map((s) => s.type)).toEqual(['page', 'identify', 'track', 'group', 'alias']);
        expect(result.sent.filter((s) => s.failed)).toEqual([]);
        expect(result.anonymousId).toMatch(/^[0-9a-f-]{36}$/);

        // --- what the browser saw: nothing blocked, nothing but loopback
        expect(pageErrors).toEqual([]);
        expect(consoleErrors).toEqual([]);
        expect(failedRequests).toEqual([]);
        expect([...new Set(requests.map((u) => u.hostname))]).toEqual(['127.0.0.1']);
        const apiPaths = requests.filter((u) => u.port === String(collector.port)).map((u) => u.pathname);
        if (mode === 'standard') expect(apiPaths.sort()).toEqual(['/v1/a', '/v1/g', '/v1/i', '/v1/p', '/v1/t']);
        else expect(new Set(apiPaths)).toEqual(new Set(['/v1/b']));

        // --- what the collector saw: preflights (Authorization makes these non-simple requests), answered
        const posts = exchanges.filter((x) => x.method === 'POST');
        const preflights = exchanges.filter((x) => x.method === 'OPTIONS');
        expect(posts.map((x) => x.path).sort()).toEqual([...apiPaths].sort());
        for (const p of posts) {
          expect(p.status, p.path).toBe(200);
          expect(p.headers.origin).toBe(pageOrigin);
          expect(p.headers['content-type']).toMatch(/^text\/plain/);
          expect(p.headers.authorization).toBe(`Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`);
          expect(p.responseHeaders['access-control-allow-origin']).toBe(pageOrigin);
        }
        expect(preflights.length).toBeGreaterThanOrEqual(1);
        for (const p of preflights) {
          expect(p.status).toBe(204);
          expect(p.responseHeaders['access-control-allow-origin']).toBe(pageOrigin);
          const asked = (p.headers['access-control-request-headers'] ?? '')
            .split(',')
            .map((h) => h.trim())
            .filter(Boolean);
          const allowed = p.responseHeaders['access-control-allow-headers']!.split(',').map((h) => h.trim());
          for (const h of asked) expect(allowed, `preflight asked for ${h}`).toContain(h);
        }

        // --- what landed in the stream: each call once, nothing rejected
        expect(envs.filter((e) => e.kind !== 'event')).toEqual([]);
        const events = envs as CollectedEnvelope[];
        expect(events).toHaveLength(5);
        expect(new Set(events.map((e) => e.event.messageId))).toEqual(new Set(result.sent.map((s) => s.messageId)));
        const byType = new Map(events.map((e) => [e.event.type, e]));
        expect([...byType.keys()].sort()).toEqual(['alias', 'group', 'identify', 'page', 'track']);

        for (const env of events) {
          const ev = env.event as Record<string, any>;
          // the source was resolved from the write key (body and Basic header carry the same key)
          expect(env.source).toEqual({ id: source.id, name: 'Test Shop', defaultChannel: 'web' });
          expect(ev.anonymousId, ev.type).toBe(result.anonymousId);
          expect(ev.context.page.url, ev.type).toBe(pageUrl);
          expect(ev.context.page.path).toBe('/shop');
          expect(ev.context.page.title).toBe('Threadline Test Shop');
          expect(ev.context.userAgent).toMatch(/Chrome\//);
          expect(ev.context.library).toEqual({ name: 'analytics.js', version: `next-${SDK_VERSION}` });
          expect(ev.context.campaign).toEqual({ source: 'newsletter', medium: 'email', name: 'spring' });
          // Event time: inside the run, and (browser and collector share this machine's clock) within
          // the request's latency of the SDK's own timestamp, whichever of the collector's rules applies
          // (explicit timestamp as-is, or receivedAt - (sentAt - timestamp)).
          const ts = Date.parse(ev.timestamp);
          const clientTs = Date.parse(result.sent.find((x) => x.messageId === ev.messageId)!.timestamp);
          expect(ts, ev.type).toBeGreaterThanOrEqual(t0);
          expect(ts, ev.type).toBeLessThanOrEqual(t1);
          expect(Math.abs(ts - clientTs), ev.type).toBeLessThan(1_000);
          expect(Date.parse(ev.receivedAt), ev.type).toBeGreaterThanOrEqual(ts);
          // sentAt kept for the lake's sent_at: per event (standard) or the batch's (batching), after the event
          expect(Date.parse(ev.sentAt), ev.type).toBeGreaterThanOrEqual(clientTs);
          // the write key is a secret: it does not travel further than the collector
          expect(JSON.stringify(env)).not.toContain(writeKey);
        }

        const pageEv = byType.get('page')!.event as Record<string, any>;
        expect(pageEv.properties).toMatchObject({ url: pageUrl, path: '/shop', title: 'Threadline Test Shop' });
        // page() ran before identify(): the SDK sent "userId": null, stored as no userId at all
        expect('userId' in pageEv).toBe(false);

        const identify = byType.get('identify')!.event as Record<string, any>;
        expect(identify.userId).toBe('u-1');
        expect(identify.traits).toEqual({ email });

        const track = byType.get('track')!.event as Record<string, any>;
        expect(track.event).toBe('Order Completed');
        expect(track.userId).toBe('u-1');
        expect(track.properties).toEqual({ order_id: 'o-1001', revenue: 42.5, currency: 'EUR' });

        const group = byType.get('group')!.event as Record<string, any>;
        expect(group).toMatchObject({ userId: 'u-1', groupId: 'acme', traits: { name: 'Acme Ltd', plan: 'enterprise' } });

        // alias('u-2') once identified: analytics-next 1.84.3 fills previousId with the current userId
        // (segmentio onAlias) but its EventFactory.addIdentity also overwrites userId with it, so what
        // arrives is a self-alias u-1 -> u-1. The collector takes it as sent; it links nothing new.
        const alias = byType.get('alias')!.event as Record<string, any>;
        expect(alias).toMatchObject({ userId: 'u-1', previousId: 'u-1' });
      } finally {
        await browser.close();
        rmSync(profile, { recursive: true, force: true });
      }
    });
  }

  // The collector answers 503 when Kinesis does not take the events; the SDK must be able to retry.
  // Its retry carries `X-Retry-Count: <n>`, a header its preflight has to allow, or the retry is
  // CORS-blocked (and so is every later one): the event would be lost in the browser.
  for (const mode of ['standard', 'batching'] as const) {
    it(`a 503 (stream throttled) is retried by the SDK and lands once (${mode} delivery)`, async () => {
      let throttle = true;
      // Every PutRecords fails with the real per-record throttling shape until the first 503 went out.
      const faulty = faultyClient(kinesis, (_call, records) =>
        throttle
          ? {
              kind: 'partial',
              fail: Array.from({ length: records }, (_, index) => ({ index, code: 'ProvisionedThroughputExceededException' as const })),
            }
          : { kind: 'none' },
      );
      await useStream(`retry-${mode}`, faulty.client);
      const inner = current;
      current = async (ev) => {
        const out = (await inner(ev)) as APIGatewayProxyStructuredResultV2;
        if (out.statusCode === 503) throttle = false;
        return out;
      };
      const { browser, profile } = await launch();
      const consoleErrors: string[] = [];
      try {
        const page = browser.pages()[0] ?? (await browser.newPage());
        page.on('console', (m) => {
          if (m.type() === 'error') consoleErrors.push(m.text());
        });
        await page.goto(`${pageOrigin}/shop`);
        const apiHost = `127.0.0.1:${collector.port}/v1`;
        const result = (await page.evaluate(
          `window.runSession(${JSON.stringify({ writeKey, apiHost, email: 'x@example.com', batching: mode === 'batching', trackOnly: true })})`,
        )) as SessionResult;
        const envs = await collectedEvents(1);
        const posts = exchanges.filter((x) => x.method === 'POST');
        // first attempt refused with 503 (CORS headers on it, so the SDK could read the status), then a retry
        expect(posts[0]).toMatchObject({ status: 503 });
        expect(posts[0]!.responseHeaders['access-control-allow-origin']).toBe(pageOrigin);
        expect(posts).toHaveLength(2);
        expect(posts[1]!.headers['x-retry-count']).toBe('1');
        expect(posts[1]!.status).toBe(200);
        expect(envs).toHaveLength(1);
        expect(envs[0]).toMatchObject({
          kind: 'event',
          event: { type: 'track', event: 'Order Completed', messageId: result.sent[0]!.messageId },
        });
        // Chromium logs the 503 itself ("Failed to load resource"); nothing else, and no CORS error.
        expect(consoleErrors.filter((m) => !/status of 503/.test(m))).toEqual([]);
      } finally {
        await browser.close();
        rmSync(profile, { recursive: true, force: true });
      }
    });
  }
});
