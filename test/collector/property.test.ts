/**
 * Property-based tests of the whole collector (the Lambda handler over kinesalite):
 *   - arbitrary bytes, encodings, paths and headers never make it throw, and every answer is a
 *     well-formed JSON response with a known status and a typed reason;
 *   - batches of valid generated events are all accepted, and what lands in the stream is the event
 *     as sent plus the collector's stamps.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiGatewayV2Handler, createHandler } from '../../lambdas/collector/handler.js';
import { createKinesisWriter } from '../../lambdas/collector/kinesis-writer.js';
import { createFileKeyStore } from '../../lambdas/collector/sources/file-store.js';
import type { LocalKinesis } from '../../local/kinesis.js';
import type { CollectedEnvelope, StreamEnvelope } from '../../schemas/envelope.js';
import { FAILURE_REASONS } from '../../schemas/failure-reasons.js';
import { NOW, validEvent } from '../contract/arbitraries.js';
import { startKinesis } from './harness.js';

let kinesis: LocalKinesis;
let handler: ApiGatewayV2Handler;
let writeKey: string;
let dir: string;
const STREAM = 'prop-events';

beforeAll(async () => {
  kinesis = await startKinesis();
  await kinesis.ensureStream(STREAM, 1);
  dir = await mkdtemp(join(tmpdir(), 'tl-prop-'));
  const keyStore = createFileKeyStore(join(dir, 'sources.json'));
  writeKey = (await keyStore.add({ name: 'prop' })).writeKey;
  handler = createHandler({
    keyStore,
    sink: createKinesisWriter({ client: kinesis.client, streamName: STREAM, retry: { baseDelayMs: 1 } }),
    now: () => NOW,
  });
});
afterAll(async () => {
  await kinesis.close();
  await rm(dir, { recursive: true, force: true });
});

function apiEvent(method: string, path: string, body: Buffer | undefined, headers: Record<string, string>): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: '',
    headers,
    requestContext: {
      accountId: '1',
      apiId: 'a',
      domainName: 'd',
      domainPrefix: 'd',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '198.51.100.7', userAgent: 'fc' },
      requestId: 'r',
      routeKey: '$default',
      stage: '$default',
      time: '',
      timeEpoch: 0,
    },
    isBase64Encoded: true,
    ...(body ? { body: body.toString('base64') } : {}),
  };
}

const auth = () => `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;
const KNOWN_REASONS = new Set([...Object.keys(FAILURE_REASONS), 'service_unavailable', 'internal_error']);

describe('never throws', () => {
  it('on arbitrary bytes, encodings, methods, paths and auth headers', async () => {
    const bodyArb = fc.oneof(
      fc.uint8Array({ maxLength: 2048 }).map((b) => Buffer.from(b)),
      fc.jsonValue({ maxDepth: 5 }).map((j) => Buffer.from(JSON.stringify(j) ?? 'null')),
      fc.jsonValue({ maxDepth: 5 }).map((j) => Buffer.from(JSON.stringify({ batch: [j, { type: 'track', userId: 'u', event: 'e' }] }))),
      fc.jsonValue({ maxDepth: 5 }).map((j) => gzipSync(Buffer.from(JSON.stringify({ batch: j })))),
      fc.uint8Array({ maxLength: 512 }).map((b) => gzipSync(Buffer.from(b))),
      fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.from(b)])),
    );
    const arb = fc.record({
      method: fc.constantFrom('POST', 'GET', 'PUT', 'OPTIONS', 'DELETE', 'post'),
      path: fc.oneof(
        fc.constantFrom('/v1/batch', '/v1/track', '/v1/import', '/v1/alias', '/health', '/', '/v1/batch/'),
        fc.string({ maxLength: 30 }).map((s) => `/${s}`),
      ),
      body: fc.option(bodyArb, { nil: undefined }),
      encoding: fc.option(fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'gzip, gzip', 'x-gzip', 'zstd'), { nil: undefined }),
      authorization: fc.oneof(
        fc.constant(undefined),
        fc.constant('good'),
        fc.string({ maxLength: 40 }),
        fc.string({ maxLength: 40 }).map((s) => `Basic ${s}`),
      ),
      origin: fc.option(fc.constantFrom('https://a.example', 'null', ''), { nil: undefined }),
    });
    await fc.assert(
      fc.asyncProperty(arb, async (r) => {
        const headers: Record<string, string> = {};
        if (r.encoding) headers['content-encoding'] = r.encoding;
        if (r.authorization === 'good') headers.authorization = auth();
        else if (r.authorization !== undefined) headers.authorization = r.authorization;
        if (r.origin !== undefined) headers.origin = r.origin;
        const res = await handler(apiEvent(r.method, r.path, r.body, headers));
        expect([200, 204, 400, 401, 403, 404, 405, 413, 415]).toContain(res.statusCode);
        if (res.statusCode === 204) return;
        const body = JSON.parse(res.body ?? '');
        if ((res.statusCode ?? 0) >= 400) expect(KNOWN_REASONS.has(body.error.reason)).toBe(true);
      }),
      { numRuns: 400 },
    );
  });
});

describe('valid events through the collector', () => {
  it('are all accepted and stored as sent plus stamps', async () => {
    let round = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(validEvent, { minLength: 1, maxLength: 15 }), fc.boolean(), async (events, gzip) => {
        const tag = `b${round++}`;
        const batch = events.map((e, i) => ({ ...e, messageId: `${tag}-${i}` }));
        const json = Buffer.from(JSON.stringify({ batch }));
        const res = await handler(
          apiEvent('POST', '/v1/batch', gzip ? gzipSync(json) : json, {
            authorization: auth(),
            ...(gzip ? { 'content-encoding': 'gzip' } : {}),
          }),
        );
        expect(res.statusCode).toBe(200);
        expect(JSON.parse(res.body ?? '')).toEqual({ success: true, accepted: batch.length, rejected: [] });
        const stored = (await kinesis.readAll(STREAM))
          .map((r) => JSON.parse(Buffer.from(r.data).toString('utf8')) as StreamEnvelope)
          .filter((e): e is CollectedEnvelope => e.kind === 'event' && e.event.messageId.startsWith(`${tag}-`));
        expect(stored).toHaveLength(batch.length);
        for (const sent of batch) {
          const env = stored.find((s) => s.event.messageId === sent.messageId)!;
          const { timestamp, receivedAt, ...rest } = env.event as Record<string, unknown>;
          const { timestamp: sentTs, ...sentRest } = sent as Record<string, unknown>;
          expect(rest).toEqual(sentRest);
          expect(receivedAt).toBe(new Date(NOW).toISOString());
          expect(Date.parse(timestamp as string)).toBe(sentTs ? Date.parse(sentTs as string) : NOW);
          expect(env.clientIp).toBe('198.51.100.7');
        }
      }),
      { numRuns: 40 },
    );
  });
});
