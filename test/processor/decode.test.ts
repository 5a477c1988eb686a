/**
 * decodeRecord keeps validateEvent's verdicts while skipping work on the common path: the UTF-8
 * round trip only on failure, no deep copy, and no size serialisation for records too small to be
 * over the limit. The last rests on a growth bound of JSON.parse + JSON.stringify, checked here.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeRecord } from '../../lambdas/processor/decode.js';
import { DEFAULT_LIMITS, validateEvent } from '../../schemas/index.js';
import { envelope } from './helpers.js';

const NOW = new Date('2026-03-01T10:05:00Z');
const b64 = (text: string | Buffer) => (typeof text === 'string' ? Buffer.from(text, 'utf8') : text).toString('base64');

describe('decodeRecord', () => {
  it('the rewrite of parsed JSON grows at most 6x: numbers written out in full, invalid UTF-8 as U+FFFD', () => {
    // JSON texts built from the worst pieces: exponent numbers, invalid bytes inside strings, escapes.
    const piece = fc.oneof(
      fc.constantFrom('1e20', '9e20', '1E20', '5e1', '1e21', '-0', '0.1e21', '1e-7', '123'),
      fc.constantFrom('"\\u00e9"', '"\\ud800"', '"\\/"', '"\\u0001"', '"a"', 'true', 'null'),
      fc.constant('INVALID'),
    );
    fc.assert(
      fc.property(fc.array(piece, { minLength: 1, maxLength: 40 }), (pieces) => {
        const parts = pieces.map((p) => (p === 'INVALID' ? Buffer.from([0x22, 0xff, 0xc3, 0x22]) : Buffer.from(p, 'utf8')));
        const bytes = Buffer.concat([Buffer.from('['), ...parts.flatMap((p, i) => (i ? [Buffer.from(','), p] : [p])), Buffer.from(']')]);
        const rewritten = Buffer.byteLength(JSON.stringify(JSON.parse(bytes.toString('utf8'))), 'utf8');
        expect(rewritten).toBeLessThanOrEqual(6 * bytes.length);
      }),
    );
  });

  it('a record above the bound is still measured: 1e20 written out puts it over the limit', () => {
    // 1,600 x "1e20," is 8 KB in the record and 35 KB once re-serialised (each number becomes 21 digits).
    const numbers = Array.from({ length: 1600 }, () => '1e20').join(',');
    const env = JSON.stringify(envelope({ type: 'track', event: 'Big', messageId: 'big-1', anonymousId: 'a', properties: { n: [] } }));
    const text = env.replace('"n":[]', `"n":[${numbers}]`);
    expect(Buffer.byteLength(text)).toBeGreaterThan(DEFAULT_LIMITS.maxEventBytes / 6);
    expect(Buffer.byteLength(text)).toBeLessThan(DEFAULT_LIMITS.maxEventBytes);
    const d = decodeRecord(b64(text), 'arn/1', NOW);
    expect(d.kind).toBe('failed');
    if (d.kind === 'failed') expect(d.failure).toMatchObject({ reason: 'event_too_large', message_id: 'big-1' });
  });

  it('same verdict as validateEvent with every rule on, for small events valid or not', () => {
    const event = fc.record(
      {
        type: fc.constantFrom('track', 'identify', 'page', 'bogus'),
        event: fc.string({ maxLength: 12 }),
        messageId: fc.string({ minLength: 1, maxLength: 12 }),
        anonymousId: fc.string({ maxLength: 8 }),
        userId: fc.oneof(fc.string({ maxLength: 8 }), fc.integer()),
        timestamp: fc.constantFrom('2026-03-01T10:00:00Z', 'not a date', '2031-01-01T00:00:00Z'),
        properties: fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
      },
      { requiredKeys: ['type'] },
    );
    fc.assert(
      fc.property(event, (ev) => {
        const env = envelope(ev);
        const d = decodeRecord(b64(JSON.stringify(env)), 'arn/2', NOW);
        const parsed = JSON.parse(JSON.stringify(env));
        const v = validateEvent(parsed.event, { now: Date.parse(env.receivedAt), maxAgeMs: null, trustTimestamps: true });
        if (!v.ok) {
          expect(d).toMatchObject({ kind: 'failed', failure: { reason: v.reason, detail: v.detail } });
        } else if (!v.event.messageId) {
          expect(d).toMatchObject({ kind: 'failed', failure: { reason: 'schema_violation' } });
        } else {
          expect(d.kind).toBe('event');
          if (d.kind === 'event') {
            expect(d.event).toEqual(v.event);
            expect(d.eventTimeMs).toBe(v.eventTimeMs);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('keeps text raw for bad JSON and base64 raw for bytes that are not UTF-8', () => {
    const bad = decodeRecord(b64('{not json'), 'arn/3', NOW);
    expect(bad).toMatchObject({ kind: 'failed', failure: { reason: 'bad_json', raw: '{not json' } });
    const binary = Buffer.from([0x7b, 0xff, 0xfe, 0x00]);
    const enc = decodeRecord(b64(binary), 'arn/4', NOW);
    expect(enc).toMatchObject({ kind: 'failed', failure: { reason: 'bad_encoding', raw: binary.toString('base64') } });
  });
});
