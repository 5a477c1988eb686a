/**
 * Fuzzing the collector (issue 12 item 5): hostile request targets, methods, headers, encodings and
 * bodies, on the real loopback server (raw sockets, byte for byte) and on the API Gateway entry (the
 * same handler, the event shapes API Gateway can deliver). Invariants: no answer is a 5xx (Kinesis is
 * healthy throughout, so not even 503), the process lives, and a well-formed request is still served
 * afterwards. A fixed seed makes failures reproducible; FUZZ_RUNS=... runs longer. The corpus
 * (fuzz-corpus.json) keeps every case that once failed as a regression case.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandler } from '../../lambdas/collector/handler.js';
import { createKinesisWriter } from '../../lambdas/collector/kinesis-writer.js';
import { createFileKeyStore } from '../../lambdas/collector/sources/file-store.js';
import type { LocalKinesis } from '../../local/kinesis.js';
import { type Harness, startHarness, startKinesis } from './harness.js';
import { rawExchange, rawRequest } from './hostile.js';

const SEED = 20_261_202;
const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
// Generous: a liveness bound for a busy machine, scaled for long FUZZ_RUNS sessions.
const TIMEOUT_MS = Math.max(120_000, RUNS * 20);

interface CorpusCase {
  why: string;
  raw?: string;
  method?: string;
  target?: string;
  headers?: Record<string, string>;
  body?: string;
  bodyBase64?: string;
}
const corpus = (JSON.parse(readFileSync(new URL('./fuzz-corpus.json', import.meta.url), 'utf8')) as { cases: CorpusCase[] }).cases;

let kinesis: LocalKinesis;
let h: Harness;
let port: number;
let auth: string;
beforeAll(async () => {
  kinesis = await startKinesis();
  h = await startHarness(kinesis);
  port = Number(new URL(h.url).port);
  auth = `Basic ${Buffer.from(`${h.writeKey}:`).toString('base64')}`;
});
afterAll(async () => {
  await h.close();
  await kinesis.close();
});

function bodyOf(c: CorpusCase): Buffer | undefined {
  if (c.bodyBase64 !== undefined) return Buffer.from(c.bodyBase64, 'base64');
  if (c.body === 'DEEP') return Buffer.from(`{"userId":"u","event":"deep","properties":${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}}`);
  return c.body === undefined ? undefined : Buffer.from(c.body, 'utf8');
}

function wire(c: CorpusCase): Buffer {
  if (c.raw !== undefined) return Buffer.from(c.raw, 'latin1');
  const headers = Object.fromEntries(Object.entries(c.headers ?? {}).map(([k, v]) => [k, v === '{AUTH}' ? auth : v]));
  const target = c.target === '/v1/batch/LONG' ? `/v1/batch/${'a'.repeat(8_000)}` : c.target!;
  const body = bodyOf(c);
  return rawRequest({ method: c.method ?? 'POST', target, headers, ...(body ? { body } : {}) });
}

async function stillServing(): Promise<void> {
  const res = await h.post('/v1/batch', { batch: [{ type: 'track', userId: 'u-alive', event: 'Alive' }] });
  expect(res.status).toBe(200);
}

describe('regression corpus (fuzz-corpus.json)', () => {
  it.each(corpus.map((c) => [c.why, c] as const))('%s: answered below 500, process alive', async (_why, c) => {
    const res = await rawExchange(port, wire(c));
    if (res.status !== undefined) expect(res.status, res.text.slice(0, 300)).toBeLessThan(500);
    await stillServing();
  });

  it('odd targets get a 4xx with a machine-readable reason', async () => {
    const cases: Array<[string, number, string]> = [
      ['//[', 404, 'not_found'],
      ['//x:99999/v1/batch', 404, 'not_found'],
      ['*', 404, 'not_found'],
      ['/v1/%zz', 404, 'not_found'],
      ['v1/batch', 400, 'malformed_request'], // refused by Node's parser: still a JSON reason
    ];
    for (const [target, status, reason] of cases) {
      const res = await rawExchange(
        port,
        rawRequest({ target, headers: { 'content-type': 'application/json', authorization: auth }, body: '{}' }),
      );
      expect(res.status, target).toBe(status);
      expect(JSON.parse(res.text.slice(res.text.indexOf('\r\n\r\n') + 4)).error.reason, target).toBe(reason);
    }
  });
});

// ---- generated cases ---------------------------------------------------------------------------------

const ROUTES = ['/v1/batch', '/v1/track', '/v1/identify', '/v1/page', '/v1/import', '/v1/b', '/v1/t', '/v1/m', '/health', '/'];
const TARGET_CHARS = [..."abcxyzAZ0189-._~!$&'()*+,;=:@/?#[]%"];
const targetChars = fc.string({ unit: fc.constantFrom(...TARGET_CHARS), maxLength: 24 });

const target = fc.oneof(
  fc.constantFrom(...ROUTES),
  fc.tuple(fc.constantFrom(...ROUTES), targetChars).map(([r, s]) => r + s),
  fc.tuple(targetChars, fc.constantFrom(...ROUTES)).map(([s, r]) => `//${s}${r}`),
  targetChars.map((s) => `/${s}`),
  targetChars.filter((s) => s.length > 0 && !s.startsWith('/')),
);
const method = fc.constantFrom('POST', 'POST', 'POST', 'GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'PATCH', 'post', 'BREW');

const validBatch = (n: number) =>
  JSON.stringify({
    batch: Array.from({ length: n }, (_, i) => ({ type: 'track', userId: `u-${i}`, event: 'Fuzzed', messageId: `fz-${i}` })),
  });

/** Bytes plus the encoding they really are in (the header may then say something else). */
const payload: fc.Arbitrary<{ bytes: Buffer; real: string }> = fc.oneof(
  fc.integer({ min: 1, max: 3 }).map((n) => ({ bytes: Buffer.from(validBatch(n)), real: 'identity' })),
  fc.json({ maxDepth: 4 }).map((j) => ({ bytes: Buffer.from(j), real: 'identity' })),
  fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 255 })).map(([n, at, byte]) => {
    const b = Buffer.from(validBatch(n));
    b[Math.min(at, b.length - 1)] = byte; // one flipped byte
    return { bytes: b, real: 'identity' };
  }),
  fc.uint8Array({ maxLength: 200 }).map((u) => ({ bytes: Buffer.from(u), real: 'identity' })),
  fc.integer({ min: 1, max: 3 }).map((n) => ({ bytes: gzipSync(validBatch(n)), real: 'gzip' })),
  fc.integer({ min: 1, max: 3 }).map((n) => ({ bytes: deflateSync(validBatch(n)), real: 'deflate' })),
  fc.integer({ min: 1, max: 3 }).map((n) => ({ bytes: brotliCompressSync(validBatch(n)), real: 'br' })),
  fc.json({ maxDepth: 3 }).map((j) => ({ bytes: gzipSync(j), real: 'gzip' })),
  fc.constant({ bytes: Buffer.alloc(0), real: 'identity' }),
);

const headerValue = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 40 });
const headers = fc.record(
  {
    'content-type': fc.constantFrom(
      'application/json',
      'text/plain',
      'application/x-www-form-urlencoded',
      'application/octet-stream',
      '*/*',
      'application/json; charset=latin1',
      '',
    ),
    'content-encoding': fc.oneof(
      fc.constantFrom('gzip', 'deflate', 'br', 'identity', 'x-gzip', 'gzip, gzip', 'gzip, br', 'zstd', ''),
      headerValue,
    ),
    authorization: fc.oneof(
      fc.constant('AUTH'),
      fc.constant('AUTH'),
      headerValue.map((v) => `Basic ${Buffer.from(v).toString('base64')}`),
      headerValue,
    ),
    origin: fc.oneof(fc.constantFrom('https://shop.example', 'null', 'http://localhost:3000'), headerValue),
    'x-extra': headerValue,
  },
  { requiredKeys: [] },
);

const request = fc.record({ method, target, headers, payload, labelReal: fc.boolean() });

describe('generated hostile requests (fast-check, fixed seed)', () => {
  it(
    'loopback server: never a 5xx, process alive',
    async () => {
      await fc.assert(
        fc.asyncProperty(request, async (r) => {
          const hs: Record<string, string> = {};
          for (const [k, v] of Object.entries(r.headers)) hs[k] = v === 'AUTH' ? auth : v;
          // Half the time the label tells the truth about the encoding; otherwise it is whatever was drawn.
          if (r.labelReal) hs['content-encoding'] = r.payload.real;
          const res = await rawExchange(port, rawRequest({ method: r.method, target: r.target, headers: hs, body: r.payload.bytes }));
          if (res.status !== undefined && res.status >= 500) throw new Error(`${res.status}: ${res.text.slice(0, 300)}`);
        }),
        { seed: SEED, numRuns: RUNS },
      );
      await stillServing();
    },
    TIMEOUT_MS,
  );

  it(
    'API Gateway entry: any event shape it can deliver gets an answer below 500',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'tl-fuzz-keys-'));
      const keyStore = createFileKeyStore(join(dir, 'sources.json'));
      const { writeKey } = await keyStore.add({ name: 'Fuzz' });
      const basic = `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;
      const handler = createHandler({
        keyStore,
        sink: createKinesisWriter({ client: kinesis.client, streamName: h.stream, retry: { timeBudgetMs: 2_000 } }),
      });
      const event = fc.record({
        rawPath: fc.oneof(target, fc.string({ maxLength: 30 })),
        method: fc.oneof(method, fc.string({ maxLength: 8 })),
        headers: fc
          .tuple(
            fc.dictionary(fc.string({ maxLength: 20 }), fc.string({ maxLength: 40 }), { maxKeys: 6 }),
            fc.record(
              {
                authorization: fc.oneof(fc.constant(basic), fc.string({ maxLength: 40 })),
                'content-encoding': fc.constantFrom('gzip', 'br', 'deflate', 'gzip, gzip', 'bogus'),
                'content-type': fc.constantFrom('application/json', 'text/plain', 'application/octet-stream'),
                origin: fc.string({ maxLength: 30 }),
              },
              { requiredKeys: [] },
            ),
          )
          .map(([junk, known]) => ({ ...junk, ...known })),
        body: fc.option(
          fc.oneof(
            fc.json(),
            fc.string({ maxLength: 200 }),
            fc.base64String({ maxLength: 200 }),
            fc.integer({ min: 1, max: 3 }).map(validBatch),
            fc.integer({ min: 1, max: 3 }).map((n) => gzipSync(validBatch(n)).toString('base64')),
          ),
          { nil: undefined },
        ),
        isBase64Encoded: fc.boolean(),
      });
      await fc.assert(
        fc.asyncProperty(event, async (e) => {
          const ev = {
            version: '2.0',
            routeKey: '$default',
            rawPath: e.rawPath,
            rawQueryString: '',
            headers: e.headers,
            isBase64Encoded: e.isBase64Encoded,
            requestContext: { http: { method: e.method, path: e.rawPath, sourceIp: '127.0.0.1' } },
            ...(e.body === undefined ? {} : { body: e.body }),
          } as unknown as APIGatewayProxyEventV2;
          const res = await handler(ev);
          expect(res.statusCode).toBeLessThan(500);
        }),
        { seed: SEED, numRuns: RUNS * 2 },
      );
      await rm(dir, { recursive: true, force: true });
    },
    TIMEOUT_MS,
  );
});
