/**
 * The collector's two shortcuts against the slow, obviously right versions:
 *   - certainlyValidEvent (schemas/event-fast-path.ts) gives zod's verdict on JSON values (its safety
 *     side, "true only if zod accepts", is what validateEvent relies on);
 *   - rawEventBytes (envelope.ts) gives the bytes of JSON.stringify(raw) from the stamped event's bytes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rawEventBytes, stampEvent } from '../../lambdas/collector/envelope.js';
import { certainlyValidEvent, eventJsonBytes, eventSchema, TOUCHPOINT_CHANNELS, validateEvent } from '../../schemas/index.js';
import { NOW, validEvent } from '../contract/arbitraries.js';

/** Every field path event.ts gives a rule, plus a free one. */
const PATHS = [
  ['type'],
  ['messageId'],
  ['anonymousId'],
  ['userId'],
  ['timestamp'],
  ['originalTimestamp'],
  ['sentAt'],
  ['receivedAt'],
  ['channel'],
  ['integrations'],
  ['event'],
  ['properties'],
  ['traits'],
  ['name'],
  ['category'],
  ['groupId'],
  ['previousId'],
  ['context'],
  ['context', 'ip'],
  ['context', 'userAgent'],
  ['context', 'locale'],
  ['context', 'timezone'],
  ['context', 'library'],
  ['context', 'library', 'name'],
  ['context', 'library', 'version'],
  ['context', 'page'],
  ['context', 'page', 'url'],
  ['context', 'page', 'title'],
  ['context', 'page', 'search'],
  ['context', 'campaign', 'term'],
  ['context', 'device', 'id'],
  ['context', 'device', 'advertisingId'],
  ['context', 'device', 'model'],
  ['context', 'os', 'name'],
  ['context', 'app', 'build'],
  ['context', 'app', 'version'],
  ['context', 'traits'],
  ['context', 'consent', 'categoryPreferences'],
  ['context', 'consent', 'categoryPreferences', 'ads'],
  ['context', 'touchpoint'],
  ['context', 'touchpoint', 'channel'],
  ['context', 'touchpoint', 'agent'],
  ['context', 'identifiers', 'deviceId'],
  ['context', 'identifiers', 'email'],
  ['context', 'identifiers', 'phone'],
  ['context', 'identifiers', 'emailSha256'],
  ['context', 'identifiers', 'crmId'],
  ['custom'],
] as const;

const BOUNDS = [0, 1, 63, 64, 65, 99, 100, 101, 254, 255, 256, 319, 320, 321, 511, 512, 513, 1023, 1024, 1025, 2048, 2049, 8192, 8193];

const value: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(...BOUNDS).map((n) => 'x'.repeat(n)),
  fc.constantFrom(...BOUNDS).map((n) => 'é'.repeat(n)),
  fc.constantFrom(
    '2026-06-15T12:00:00Z',
    '2026-06-15 12:00',
    '2026-06-15T12:00:00.123456789+02:00',
    '2026-02-30T12:00:00Z',
    '2026-13-01T00:00:00Z',
    '2026-06-15',
    'a'.repeat(64),
    'f'.repeat(64),
    'F'.repeat(64),
    'analytics.js',
  ),
  fc.constantFrom(...TOUCHPOINT_CHANNELS, 'telegraph', 'track', 'identify', 'page', 'screen', 'group', 'alias', 'Track'),
  fc.string({ maxLength: 12 }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
  fc.constant({}),
  fc.constant({ a: 1 }),
  fc.constant({ ads: true, x: false }),
  fc.constant({ ads: 'yes' }),
  fc.constant([]),
  fc.constant(['x']),
);

/** A valid event with 1 to 3 fields set to values near or past their rules. */
const perturbed = fc
  .tuple(validEvent, fc.array(fc.tuple(fc.constantFrom(...PATHS), value), { minLength: 1, maxLength: 3 }))
  .map(([e, edits]) => {
    const out = structuredClone(e) as Record<string, unknown>;
    for (const [path, v] of edits) {
      let at = out;
      for (const k of path.slice(0, -1)) {
        const next = at[k];
        if (next === null || typeof next !== 'object' || Array.isArray(next)) at[k] = {};
        else at[k] = { ...next };
        at = at[k] as Record<string, unknown>;
      }
      at[path[path.length - 1]!] = structuredClone(v);
    }
    // As the collector sees it: a JSON value.
    return JSON.parse(JSON.stringify(out)) as Record<string, unknown>;
  });

describe('certainlyValidEvent', () => {
  it('gives zod’s verdict on valid events and on events broken field by field', () => {
    fc.assert(
      fc.property(fc.oneof(validEvent, perturbed), (e) => {
        expect(certainlyValidEvent(e)).toBe(eventSchema.safeParse(e).success);
      }),
      { numRuns: 3000 },
    );
  });

  it('answers "not sure" (false) for what JSON.parse does not make, leaving the verdict to zod', () => {
    const base = { type: 'track', event: 'x', userId: 'u' };
    expect(certainlyValidEvent(base)).toBe(true);
    expect(certainlyValidEvent(Object.assign(Object.create(null), base))).toBe(false);
    expect(certainlyValidEvent({ ...base, properties: Object.create(null) })).toBe(false);
    expect(certainlyValidEvent({ ...base, context: { app: { build: Number.POSITIVE_INFINITY } } })).toBe(false);
    expect(certainlyValidEvent([base])).toBe(false);
    expect(certainlyValidEvent(null)).toBe(false);
  });
});

describe('validateEvent with reuseInput', () => {
  it('same verdict, detail and event (up to key order) as without', () => {
    fc.assert(
      fc.property(fc.oneof(validEvent, perturbed), (e) => {
        const opts = { now: NOW };
        const slow = validateEvent(structuredClone(e), opts);
        const fast = validateEvent(structuredClone(e), { ...opts, reuseInput: true });
        expect(fast).toEqual(slow);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('rawEventBytes', () => {
  const source = { id: 'src', name: 'web', defaultChannel: 'web' as const };
  const stamps = fc.record({
    library: fc.constantFrom(undefined, 'analytics.js', 'analytics-node'),
    sentAt: fc.constantFrom(undefined, '2026-06-15T11:59:00.000Z'),
    batchSentAt: fc.constantFrom(undefined, '2026-06-15T11:58:00.000Z'),
    receivedAt: fc.constantFrom(undefined, '2026-06-15T11:00:00.000Z', 'ünïcode'),
    originalTimestamp: fc.constantFrom(undefined, '2026-06-15T11:30:00+01:00'),
    dropMessageId: fc.boolean(),
    trust: fc.boolean(),
  });

  it('equals the bytes of JSON.stringify(raw), whatever the stamps add, replace or move', () => {
    fc.assert(
      fc.property(fc.oneof(validEvent, perturbed), stamps, (e, s) => {
        const raw = { ...e } as Record<string, unknown>;
        if (s.library) raw.context = { ...(raw.context as object), library: { name: s.library } };
        for (const k of ['sentAt', 'receivedAt', 'originalTimestamp'] as const) if (s[k] !== undefined) raw[k] = s[k];
        if (s.dropMessageId) delete raw.messageId;
        const v = validateEvent(raw, {
          now: NOW,
          maxAgeMs: null,
          maxEventBytes: Number.POSITIVE_INFINITY,
          reuseInput: true,
          trustTimestamps: s.trust,
          ...(s.batchSentAt ? { batchSentAt: s.batchSentAt } : {}),
        });
        if (!v.ok) return;
        const env = stampEvent(v.event, {
          receivedAt: new Date(NOW).toISOString(),
          eventTimeMs: v.eventTimeMs,
          source,
          batchSentAt: s.batchSentAt,
          newId: () => 'generated-id',
        });
        const stampedBytes = Buffer.byteLength(JSON.stringify(env.event), 'utf8');
        expect(rawEventBytes(raw, env.event, stampedBytes)).toBe(eventJsonBytes(raw));
      }),
      { numRuns: 2000 },
    );
  });

  it('worked example: a stamped messageId and receivedAt added, a timestamp replaced', () => {
    const raw = { type: 'track', event: 'x', userId: 'u', timestamp: '2026-06-15T12:00:00Z' };
    // {"type":"track","event":"x","userId":"u","timestamp":"2026-06-15T12:00:00Z"} = 76 bytes
    expect(eventJsonBytes(raw)).toBe(76);
    const stamped = { ...raw, messageId: 'm-1', timestamp: '2026-06-15T12:00:00.000Z', receivedAt: '2026-06-15T12:00:01.000Z' };
    expect(rawEventBytes(raw, stamped, Buffer.byteLength(JSON.stringify(stamped)))).toBe(76);
  });
});
