/** lambdas/collector/decode.ts: encodings, caps and typed refusals (hand-computed cases). */

import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { writeKeyFromHeader } from '../../lambdas/collector/auth.js';
import { originAllowed } from '../../lambdas/collector/cors.js';
import { decodeBody } from '../../lambdas/collector/decode.js';
import { resolveRoute } from '../../lambdas/collector/routes.js';

const LIMIT = 500 * 1024;
const json = '{"batch":[{"type":"track","userId":"u","event":"e"}]}';
const b64 = (b: Buffer) => b.toString('base64');

describe('decodeBody', () => {
  it.each([
    ['gzip', gzipSync(json)],
    ['x-gzip', gzipSync(json)],
    ['deflate', deflateSync(json)],
    ['br', brotliCompressSync(json)],
  ])('inflates %s', (enc, body) => {
    expect(decodeBody(b64(body), true, enc, LIMIT)).toMatchObject({ ok: true, bytes: json.length });
  });

  it('sniffs gzip without a header (whatever the content-type says) and takes text bodies as is', () => {
    expect(decodeBody(b64(gzipSync(json)), true, undefined, LIMIT).ok).toBe(true);
    expect(decodeBody(json, false, undefined, LIMIT).ok).toBe(true);
    expect(decodeBody(`\ufeff${json}`, false, undefined, LIMIT).ok).toBe(true);
  });

  it('caps inflation at the limit for every coding (bombs)', () => {
    const huge = Buffer.alloc(LIMIT + 1, 0x20);
    for (const [enc, c] of [
      ['gzip', gzipSync(huge)],
      ['deflate', deflateSync(huge)],
      ['br', brotliCompressSync(huge)],
    ] as const) {
      expect(c.length).toBeLessThan(2048);
      expect(decodeBody(b64(c), true, enc, LIMIT)).toMatchObject({ ok: false, status: 413, reason: 'payload_too_large' });
    }
    // Exactly at the limit is fine (a JSON string padded with spaces).
    const exact = Buffer.concat([Buffer.from(json), Buffer.alloc(LIMIT - json.length, 0x20)]);
    expect(decodeBody(b64(gzipSync(exact)), true, 'gzip', LIMIT)).toMatchObject({ ok: true, bytes: LIMIT });
  });

  it('refuses oversize raw bodies before decoding them', () => {
    expect(decodeBody('x'.repeat(LIMIT + 2000), false, undefined, LIMIT)).toMatchObject({ status: 413 });
  });

  it('typed refusals: bad gzip, unknown or stacked codings, invalid UTF-8, bad JSON, empty', () => {
    expect(decodeBody(b64(Buffer.from([0x1f, 0x8b, 1, 2])), true, undefined, LIMIT)).toMatchObject({ status: 400, reason: 'bad_encoding' });
    expect(decodeBody(json, false, 'compress', LIMIT)).toMatchObject({ status: 415, reason: 'bad_encoding' });
    expect(decodeBody(json, false, 'gzip, br', LIMIT)).toMatchObject({ status: 415, reason: 'bad_encoding' });
    expect(decodeBody(b64(Buffer.from([0x7b, 0xff, 0x7d])), true, undefined, LIMIT)).toMatchObject({ status: 400, reason: 'bad_encoding' });
    expect(decodeBody('{"a":', false, undefined, LIMIT)).toMatchObject({ status: 400, reason: 'bad_json' });
    expect(decodeBody(undefined, false, undefined, LIMIT)).toMatchObject({ status: 400, reason: 'bad_json' });
    expect(decodeBody(json, false, 'identity', LIMIT).ok).toBe(true);
  });
});

describe('auth, routes, origins', () => {
  it('reads the key from Basic "KEY:" (password ignored)', () => {
    const basic = (s: string) => `Basic ${Buffer.from(s).toString('base64')}`;
    expect(writeKeyFromHeader(basic('abc:'))).toBe('abc');
    expect(writeKeyFromHeader(basic('abc:secret'))).toBe('abc');
    expect(writeKeyFromHeader(basic('abc'))).toBe('abc');
    expect(writeKeyFromHeader(basic(':'))).toBeUndefined();
    expect(writeKeyFromHeader('Bearer abc')).toBeUndefined();
    expect(writeKeyFromHeader(undefined)).toBeUndefined();
  });

  it('routes', () => {
    expect(resolveRoute('POST', '/v1/track')).toEqual({ kind: 'event', type: 'track' });
    expect(resolveRoute('POST', '/v1/import/')).toEqual({ kind: 'batch', import: true });
    expect(resolveRoute('GET', '/v1/batch')).toMatchObject({ kind: 'method_not_allowed' });
    expect(resolveRoute('OPTIONS', '/anything')).toEqual({ kind: 'preflight' });
    expect(resolveRoute('POST', '/v1/constructor')).toEqual({ kind: 'not_found' });
    expect(resolveRoute('POST', '/v1/__proto__')).toEqual({ kind: 'not_found' });
  });

  it('routes: analytics.js short paths (`${apiHost}/${type[0]}` and batching `/b`)', () => {
    const short = { t: 'track', i: 'identify', p: 'page', s: 'screen', g: 'group', a: 'alias' } as const;
    for (const [letter, type] of Object.entries(short)) {
      expect(resolveRoute('POST', `/v1/${letter}`)).toEqual({ kind: 'event', type });
    }
    expect(resolveRoute('POST', '/v1/b')).toEqual({ kind: 'batch', import: false });
    expect(resolveRoute('POST', '/v1/x')).toEqual({ kind: 'not_found' });
    expect(resolveRoute('GET', '/v1/t')).toMatchObject({ kind: 'method_not_allowed' });
  });

  it('origins: opt-in restriction, global + per source, "*"', () => {
    expect(originAllowed('https://a.example', [], undefined)).toBe(true);
    expect(originAllowed(undefined, ['https://b.example'], undefined)).toBe(true);
    expect(originAllowed('https://a.example', ['https://b.example'], undefined)).toBe(false);
    expect(originAllowed('https://A.example/', [], ['https://a.example'])).toBe(true);
    expect(originAllowed('https://a.example', ['*'], ['https://b.example'])).toBe(true);
  });
});
