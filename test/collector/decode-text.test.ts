/**
 * decodeBody parses a plain text body as it is instead of encoding it to UTF-8 and decoding it back:
 * the answer (value, byte count, refusal) must be the one the byte round trip gives. Content-Encoding
 * "identity" takes the round trip, so it serves as the reference.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBody } from '../../lambdas/collector/decode.js';

const roundTrip = (body: string, max: number) => decodeBody(body, false, 'identity', max);

const text = fc.oneof(
  fc.json(),
  fc.jsonValue().map((v) => `\ufeff${JSON.stringify(v)}`),
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.string({ unit: 'grapheme', maxLength: 30 }).map((s) => JSON.stringify({ event: s, properties: { s } })),
  fc.constantFrom('', ' ', '{', '\u001f\u008b{}', '"\ud800"', '["\\ud800"]', '{"a":"\udc00"}', '1e400'),
);

describe('decodeBody, plain text bodies', () => {
  it('answers exactly as the UTF-8 round trip does', () => {
    fc.assert(
      fc.property(text, fc.integer({ min: 1, max: 200 }), (body, max) => {
        expect(decodeBody(body, false, undefined, max)).toEqual(roundTrip(body, max));
      }),
      { numRuns: 3_000 },
    );
  });

  it('counts the limit in UTF-8 bytes, not characters', () => {
    const body = JSON.stringify({ e: 'é'.repeat(10) }); // 18 characters, 28 bytes
    expect(decodeBody(body, false, undefined, 28)).toMatchObject({ ok: true, bytes: 28 });
    expect(decodeBody(body, false, undefined, 27)).toMatchObject({ ok: false, status: 413, reason: 'payload_too_large' });
  });
});
