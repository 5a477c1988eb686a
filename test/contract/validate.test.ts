/**
 * schemas/validate.ts: hand-computed cases for every reason and the clock-skew rule, then
 * properties: valid events pass with their meaning unchanged, each mutation gets its reason, and
 * arbitrary JSON never throws.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { eventSchema } from '../../schemas/event.js';
import { checkStructure, DEFAULT_LIMITS, deriveEventTime, validateEvent } from '../../schemas/validate.js';
import { MUTATIONS, NOW, validEvent } from './arbitraries.js';

const at = (iso: string) => Date.parse(iso);

describe('deriveEventTime (sentAt clock-skew rule)', () => {
  const receivedAt = at('2026-06-15T12:00:10.000Z');
  it('receivedAt - (sentAt - originalTimestamp) when sentAt is given and no explicit timestamp', () => {
    // Device clock 1 h fast: sent 12:00:05+1h, happened 12:00:00+1h -> 5 s before arrival.
    const e = { originalTimestamp: '2026-06-15T13:00:00.000Z', sentAt: '2026-06-15T13:00:05.000Z' };
    expect(deriveEventTime(e, receivedAt)).toBe(at('2026-06-15T12:00:05.000Z'));
  });
  it("uses the batch's sentAt when the event has none", () => {
    expect(deriveEventTime({ originalTimestamp: '2020-01-01T00:00:00.000Z' }, receivedAt, '2020-01-01T00:01:00.000Z')).toBe(
      receivedAt - 60_000,
    );
  });
  it('an explicit timestamp wins (no correction)', () => {
    expect(
      deriveEventTime(
        { timestamp: '2026-06-15T11:00:00+01:00', originalTimestamp: '2000-01-01T00:00:00Z', sentAt: '2000-01-01T00:00:01Z' },
        receivedAt,
      ),
    ).toBe(at('2026-06-15T10:00:00.000Z'));
  });
  it('originalTimestamp alone, then receivedAt', () => {
    expect(deriveEventTime({ originalTimestamp: '2026-06-15T11:59:00Z' }, receivedAt)).toBe(at('2026-06-15T11:59:00Z'));
    expect(deriveEventTime({}, receivedAt)).toBe(receivedAt);
  });
});

describe('validateEvent: each reason', () => {
  const base = { type: 'track', userId: 'u-1', event: 'Clicked', messageId: 'm-1' };
  const v = (e: unknown, o = {}) => validateEvent(e, { now: NOW, ...o });

  it('accepts a minimal event and returns it unchanged', () => {
    const r = v(base);
    expect(r).toEqual({ ok: true, event: base, eventTimeMs: NOW });
  });
  it('schema_violation names the path, never the value', () => {
    const r = v({ ...base, event: 'x', properties: 'secret@example.com', userId: 'secret2@example.com'.repeat(20) });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.reason).toBe('schema_violation');
    expect(r.detail).toContain('properties: expected record');
    expect(r.detail).toContain('userId: too big (max 255)');
    expect(r.detail).not.toContain('secret');
    expect(r.messageId).toBe('m-1');
  });
  it('missing_identity unless userId, anonymousId or an identifier is given', () => {
    expect(v({ type: 'track', event: 'e' })).toMatchObject({ ok: false, reason: 'missing_identity' });
    expect(v({ type: 'track', event: 'e', context: { identifiers: { loyaltyId: 'L1' } } }).ok).toBe(true);
  });
  it('forbidden_key anywhere, with the path', () => {
    const r = v(JSON.parse('{"type":"track","userId":"u","event":"e","properties":{"a":[{"b":{"__proto__":{"x":1}}}]}}'));
    expect(r).toMatchObject({ ok: false, reason: 'forbidden_key', detail: 'forbidden key "__proto__" at properties.a[0].b' });
  });
  it('too_deep beyond maxDepth (the event itself is level 1), even 100,000 levels without a stack overflow', () => {
    const nest = (n: number) => JSON.parse('['.repeat(n) + ']'.repeat(n));
    // properties (2) + 30 arrays = 32 levels: allowed; one more is not.
    expect(v({ ...base, properties: { a: nest(30) } }).ok).toBe(true);
    expect(v({ ...base, properties: { a: nest(31) } })).toMatchObject({ ok: false, reason: 'too_deep' });
    expect(v({ ...base, properties: { a: nest(100_000) } })).toMatchObject({ ok: false, reason: 'too_deep' });
  });
  it('event_too_large at 32 KB + 1 byte of JSON', () => {
    const overhead = Buffer.byteLength(JSON.stringify({ ...base, properties: { p: '' } }));
    const fits = { ...base, properties: { p: 'é'.repeat(Math.floor((DEFAULT_LIMITS.maxEventBytes - overhead) / 2)) } };
    expect(Buffer.byteLength(JSON.stringify(fits))).toBeLessThanOrEqual(32 * 1024);
    expect(v(fits).ok).toBe(true);
    const over = { ...base, properties: { p: 'x'.repeat(32 * 1024 - overhead + 1) } };
    expect(Buffer.byteLength(JSON.stringify(over))).toBe(32 * 1024 + 1);
    expect(v(over)).toMatchObject({ ok: false, reason: 'event_too_large', detail: 'event is 32769 bytes, limit 32768' });
  });
  it('timestamp_out_of_range: > 1 day ahead or > 2 years back; maxAgeMs null lifts the lower bound', () => {
    const day = 86_400_000;
    expect(v({ ...base, timestamp: new Date(NOW + day).toISOString() }).ok).toBe(true);
    expect(v({ ...base, timestamp: new Date(NOW + day + 1).toISOString() })).toMatchObject({ ok: false, reason: 'timestamp_out_of_range' });
    const old = { ...base, timestamp: new Date(NOW - DEFAULT_LIMITS.maxAgeMs - 1).toISOString() };
    expect(v(old)).toMatchObject({ ok: false, reason: 'timestamp_out_of_range' });
    expect(v(old, { maxAgeMs: null }).ok).toBe(true);
    // A device clock years off is fine: the derived time is what is checked.
    expect(v({ ...base, originalTimestamp: '2035-01-01T00:00:00Z', sentAt: '2035-01-01T00:00:02Z' })).toMatchObject({
      ok: true,
      eventTimeMs: NOW - 2000,
    });
  });
  it('non-objects are schema violations', () => {
    for (const raw of [null, 'a', 1, [], [{ ...base }], true]) expect(v(raw)).toMatchObject({ ok: false, reason: 'schema_violation' });
  });
});

describe('properties', () => {
  it('every valid generated event passes with its meaning unchanged', () => {
    fc.assert(
      fc.property(validEvent, (e) => {
        const before = JSON.stringify(e);
        const r = validateEvent(e, { now: NOW });
        if (!r.ok) throw new Error(`${r.reason}: ${r.detail}`);
        expect(r.event).toEqual(e);
        expect(JSON.stringify(e)).toBe(before); // input not mutated
      }),
      { numRuns: 300 },
    );
  });

  it.each(MUTATIONS.map((m) => [m.name, m.reason, m] as const))('%s -> %s', (_n, reason, m) => {
    fc.assert(
      fc.property(validEvent, (e) => {
        const r = validateEvent(m.apply(e), { now: NOW });
        expect(r.ok).toBe(false);
        if (!r.ok) expect(r.reason).toBe(m.reasonFor ? m.reasonFor(e) : reason);
      }),
      { numRuns: 60 },
    );
  });

  it('arbitrary JSON never throws; whatever passes satisfies the zod contract and has an identity', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.jsonValue({ maxDepth: 6 }),
          validEvent.chain((e) => fc.jsonValue().map((j) => ({ ...e, properties: { j } }))),
        ),
        (raw) => {
          const r = validateEvent(raw, { now: NOW });
          if (r.ok) {
            expect(eventSchema.safeParse(r.event).success).toBe(true);
            expect(r.event.userId ?? r.event.anonymousId ?? r.event.context?.identifiers).toBeTruthy();
          } else {
            expect(r.detail.length).toBeGreaterThan(0);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('checkStructure finds a forbidden key wherever fast-check hides it', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), fc.constantFrom('__proto__', 'constructor', 'prototype'), (j, key) => {
        const text = `{"a":[${JSON.stringify(j)},{"${key}":1}]}`;
        expect(checkStructure(JSON.parse(text), 64)?.reason).toBe('forbidden_key');
      }),
      { numRuns: 100 },
    );
  });
});
